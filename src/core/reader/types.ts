/**
 * The chart reader's contracts (agreed in shared-spec/reader-interface.md): what a reading of a
 * chart image is. Pure types: no `vscode`, no Node-only APIs.
 */

export type ChartType = 'bar' | 'horizontal bar' | 'grouped bar' | 'stacked bar' | 'line' | 'scatter' | 'pie';
export type TextRole = 'title' | 'x tick' | 'y tick' | 'x title' | 'y title' | 'legend' | 'category' | 'value label' | 'other';

export interface TextItem {
  text: string;
  /** x, y, w, h in image pixels. */
  box: [number, number, number, number];
  role: TextRole;
  /** 0..1 */
  confidence: number;
  /** Degrees the text is turned counter-clockwise (90: reads bottom to top). */
  rotation?: number;
}

export interface AxisReading {
  scale: 'linear' | 'log' | 'category';
  /** Data limits of the visible axis (numeric axes). */
  min?: number;
  max?: number;
  ticks: { value: number | string; px: number; label: string }[];
  title?: string;
  /** Category axes, in order along the axis. */
  categories?: string[];
}

export interface SeriesReading {
  name: string;
  color?: [number, number, number];
  points: { x: string | number; y: number }[];
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MarkReading {
  series: number;
  index: number;
  kind: 'bar' | 'point' | 'vertex' | 'slice';
  box?: Box;
  px?: [number, number];
  value: number;
}

export interface Reading {
  chart_type: ChartType;
  title?: string;
  /** For pies: empty category axes. */
  x_axis: AxisReading;
  y_axis: AxisReading;
  /** Points in order along the category axis (top→bottom for horizontal bars); pie: {x: label, y: share}, clockwise from the top. */
  series: SeriesReading[];
  texts: TextItem[];
  /** 0..1 */
  confidence: number;
  warnings: string[];
  image: { width: number; height: number };
  /** Image px (first panel; more in `panels`). */
  plotArea: Box;
  panels?: Box[];
  /** Every mark found, for the overlay, the critic and refinement. */
  marks: MarkReading[];
}

export type ReadResult = { ok: true; reading: Reading } | { ok: false; reason: string };
