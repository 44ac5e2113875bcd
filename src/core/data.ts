/**
 * The recovered data: run the winning program and read the data back from the figure it drew
 * (bars, lines, scatter points, pie slices), so it can be exported as CSV or JSON.
 */
import type { Renderer } from './types';

export interface DataTable {
  /** e.g. "Mean insect count by spray — bars". */
  name: string;
  kind: 'bar' | 'line' | 'scatter' | 'pie';
  columns: string[];
  rows: (string | number)[][];
}

const EXTRACT_PY = String.raw`
import json as _recode_json
def _recode_extract():
    import matplotlib.pyplot as _p
    from matplotlib.patches import Wedge as _W
    from matplotlib.container import BarContainer as _BC
    from matplotlib.collections import PathCollection as _PC
    out = []
    def num(v):
        try:
            f = float(v)
            return int(f) if f.is_integer() else round(f, 10)
        except Exception:
            return str(v)
    for fnum in _p.get_fignums():
        fig = _p.figure(fnum)
        fig.canvas.draw()
        for ai, ax in enumerate(fig.axes):
            title = ax.get_title() or ('axes %d' % (ai + 1))
            def ticklabel(axis, v):
                locs = list(axis.get_majorticklocs())
                labels = [t.get_text() for t in (ax.get_xticklabels() if axis is ax.xaxis else ax.get_yticklabels())]
                for loc, lab in zip(locs, labels):
                    if abs(loc - v) < 1e-6 and lab:
                        return lab
                return num(v)
            for ci, cont in enumerate(ax.containers):
                if not isinstance(cont, _BC):
                    continue
                horiz = getattr(cont, 'orientation', 'vertical') == 'horizontal'
                label = cont.get_label()
                series = label if label and not label.startswith('_') else 'series %d' % (ci + 1)
                rows = []
                for p in cont.patches:
                    if horiz:
                        c = p.get_y() + p.get_height() / 2
                        rows.append([ticklabel(ax.yaxis, c), num(p.get_width()), num(p.get_x())])
                    else:
                        c = p.get_x() + p.get_width() / 2
                        rows.append([ticklabel(ax.xaxis, c), num(p.get_height()), num(p.get_y())])
                out.append({'name': '%s — %s' % (title, series), 'kind': 'bar', 'columns': ['category', 'value', 'base'], 'rows': rows})
            for li, line in enumerate(ax.get_lines()):
                xs, ys = list(line.get_xdata()), list(line.get_ydata())
                if len(xs) < 2:
                    continue
                label = line.get_label()
                series = label if label and not label.startswith('_') else 'line %d' % (li + 1)
                out.append({'name': '%s — %s' % (title, series), 'kind': 'line', 'columns': ['x', 'y'], 'rows': [[num(x), num(y)] for x, y in zip(xs, ys)]})
            for ci, coll in enumerate(ax.collections):
                if not isinstance(coll, _PC):
                    continue
                offs = coll.get_offsets()
                label = coll.get_label()
                series = label if label and not label.startswith('_') else 'points %d' % (ci + 1)
                out.append({'name': '%s — %s' % (title, series), 'kind': 'scatter', 'columns': ['x', 'y'], 'rows': [[num(x), num(y)] for x, y in offs]})
            wedges = [p for p in ax.patches if isinstance(p, _W)]
            if wedges:
                texts = [t.get_text() for t in ax.texts]
                total = sum((w.theta2 - w.theta1) for w in wedges) or 1
                rows = []
                for i, w in enumerate(wedges):
                    lab = w.get_label()
                    if not lab or lab.startswith('_'):
                        lab = texts[i] if i < len(texts) else 'slice %d' % (i + 1)
                    rows.append([lab, num(round((w.theta2 - w.theta1) / total * 100, 4))])
                out.append({'name': '%s — pie' % title, 'kind': 'pie', 'columns': ['slice', 'percent'], 'rows': rows})
    return out
answer = _recode_json.dumps(_recode_extract())
`;

/** Runs the program and reads back what it drew. */
export async function extractData(
  program: string,
  renderer: Renderer,
  signal?: AbortSignal,
  timeLimitMs = 20_000,
): Promise<{ tables: DataTable[] }> {
  const r = await renderer.render(
    { code: `${program.trimEnd()}\n\n# --- data extraction ---\n${EXTRACT_PY}`, mode: 'script', width: 100, height: 100, timeLimitMs },
    signal,
  );
  if (!r.ok || r.answer === undefined) throw new Error(`could not read the data back from the program: ${r.error ?? 'no data'}`);
  const tables = JSON.parse(r.answer) as DataTable[];
  return { tables };
}

export function dataToJson(tables: DataTable[]): string {
  return JSON.stringify(tables.map((t) => ({ name: t.name, kind: t.kind, columns: t.columns, rows: t.rows })), null, 2) + '\n';
}

/**
 * A CSV cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, a tab or a CR is a
 * formula to Excel, LibreOffice and Sheets (`=HYPERLINK(…)`, `-2+cmd|…`), so it gets a leading `'`.
 * A cell that reads as a finite number (`-3.5`, `+2`, `1e-3`) stays a number.
 */
export function csvSafeCell(v: string | number): string {
  const s = String(v);
  if (!/^[=+\-@\t\r]/.test(s)) return s;
  return s.trim() !== '' && Number.isFinite(Number(s)) ? s : `'${s}`;
}

/** One CSV: a `table` column names which table a row belongs to. RFC 4180 quoting; no cell is a formula (csvSafeCell). */
export function dataToCsv(tables: DataTable[]): string {
  const q = (v: string | number) => {
    const s = csvSafeCell(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines: string[] = [];
  for (const t of tables) {
    lines.push(['table', ...t.columns].map(q).join(','));
    for (const row of t.rows) lines.push([t.name, ...row].map(q).join(','));
    lines.push('');
  }
  return lines.join('\n');
}
