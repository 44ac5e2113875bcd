/**
 * The settings' values, from a WorkspaceConfiguration. Pure (no `vscode` at run time), so it is
 * tested in plain Node.
 *
 * A workspace is not trusted to choose where the API key goes or which program runs: a repository's
 * `.vscode/settings.json` could set `recode.baseUrl` to its own server (the key the user saved for
 * their endpoint would be sent there) or `recode.pythonPath` to any executable. Those settings have
 * `"scope": "machine"` in package.json, and they are read from the user's settings only
 * (machineValue), whatever VS Code's version does with workspace values of machine settings.
 */
import type * as vscode from 'vscode';

/** The settings only the user (not a workspace or folder) may set. */
export const MACHINE_SETTINGS = ['baseUrl', 'pythonPath'] as const;

export type ConfigReader = Pick<vscode.WorkspaceConfiguration, 'get' | 'inspect'>;

/** A setting's value from the user's settings (or its default); workspace and folder values are ignored. */
export function machineValue<T>(c: ConfigReader, key: string): T | undefined {
  const i = c.inspect<T>(key);
  return i?.globalValue !== undefined ? i.globalValue : i?.defaultValue;
}

export type RendererSetting = 'auto' | 'pyodide' | 'python';

export interface Settings {
  baseUrl: string;
  model: string;
  candidates: number;
  rounds: number;
  modelCritic: boolean;
  temperature: number;
  numericRefineBudget: number;
  /** With a model: read the chart first (OCR text into the prompt, the reader's program as a candidate). */
  chartReader: boolean;
  renderer: RendererSetting;
  pythonPath: string;
  renderTimeLimitMs: number;
  requestTimeoutMs: number;
}

function clampInt(v: unknown, min: number, max: number, dflt: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : dflt;
  return Math.min(max, Math.max(min, n));
}

function clampNum(v: unknown, min: number, max: number, dflt: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? v : dflt;
  return Math.min(max, Math.max(min, n));
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** The settings from a configuration; baseUrl and pythonPath from the user's settings only (settingsRead.ts). */
export function settingsFrom(c: ConfigReader): Settings {
  const renderer = c.get<string>('renderer', 'auto');
  return {
    baseUrl: text(machineValue(c, 'baseUrl')),
    model: (c.get<string>('model', '') ?? '').trim(),
    candidates: clampInt(c.get('candidates'), 1, 16, 3),
    rounds: clampInt(c.get('rounds'), 0, 20, 2),
    modelCritic: c.get<boolean>('modelCritic', false) === true,
    temperature: clampNum(c.get('temperature'), 0, 2, 0.7),
    numericRefineBudget: clampInt(c.get('numericRefinement'), 0, 1000, 200),
    chartReader: c.get<boolean>('chartReader', true) !== false,
    renderer: renderer === 'pyodide' || renderer === 'python' ? renderer : 'auto',
    pythonPath: text(machineValue(c, 'pythonPath')),
    renderTimeLimitMs: Math.round(clampNum(c.get('renderTimeLimit'), 1, 600, 20) * 1000),
    requestTimeoutMs: Math.round(clampNum(c.get('requestTimeout'), 5, 3600, 120) * 1000),
  };
}

