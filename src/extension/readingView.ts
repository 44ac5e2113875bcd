/**
 * The chart reader's reading → what the panel shows of it (overlay, data table, confidence and
 * warnings), clipped to the protocol's limits. Pure (no `vscode`), so it is testable in Node.
 */
import type { Reading } from '../core/reader';
import { readingTable } from '../core/read';
import { bytesToBase64, LIMITS, pngDataUrl, type ReadingView } from '../shared/protocol';

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export function readingView(reading: Reading, overlayPng?: Uint8Array): ReadingView {
  const table = readingTable(reading);
  const cell = (s: string) => clip(s, LIMITS.cellChars);
  const columns = table.columns.slice(0, LIMITS.tableColumns).map(cell);
  const rows = table.rows.slice(0, LIMITS.tableRows).map((r) => r.slice(0, LIMITS.tableColumns).map(cell));
  const confidence = Number.isFinite(reading.confidence) ? Math.min(1, Math.max(0, reading.confidence)) : 0;
  return {
    chartType: clip(String(reading.chart_type), 64),
    title: reading.title ? clip(reading.title, LIMITS.textChars) : undefined,
    confidence,
    warnings: reading.warnings.slice(0, LIMITS.warnings).map((w) => clip(w, LIMITS.textChars)),
    overlaySrc: overlayPng && overlayPng.length > 0 ? pngDataUrl(bytesToBase64(overlayPng)) : undefined,
    table: { columns, rows },
  };
}
