/**
 * What a program draws, read back from matplotlib: each axes' plot area in image pixels, its
 * limits, scales and tick labels, and every bar, line and scatter point with its data values and
 * its place in image pixels (top-left origin) at the original's size. The refinement uses it to
 * align a candidate's layout with the original's reading and to move values in data space.
 */
import type { Renderer } from '../types';

export interface DrawnBar {
  /** The bar's value (height, or width for horizontal bars) and its base. */
  value: number;
  base: number;
  /** Centre along the category axis, in data units. */
  center: number;
  /** Image px: centre along the category axis, the base end and the value end along the value axis. */
  centerPx: number;
  basePx: number;
  endPx: number;
}

export interface DrawnBars {
  horizontal: boolean;
  label?: string;
  bars: DrawnBar[];
}

export interface DrawnXY {
  kind: 'line' | 'scatter';
  label?: string;
  x: number[];
  y: number[];
  /** Image px of each point. */
  px: [number, number][];
}

export interface DrawnTick {
  value: number;
  px: number;
  label: string;
}

export interface DrawnAxes {
  /** Image px: x, y (top-left), w, h. */
  box: { x: number; y: number; w: number; h: number };
  xlim: [number, number];
  ylim: [number, number];
  xscale: string;
  yscale: string;
  xticks: DrawnTick[];
  yticks: DrawnTick[];
  bars: DrawnBars[];
  xy: DrawnXY[];
  wedges: number;
}

export interface Drawn {
  width: number;
  height: number;
  axes: DrawnAxes[];
}

const DRAWN_PY = String.raw`
import json as _recode_json
def _recode_drawn(W, H):
    import math
    import matplotlib.pyplot as _p
    from matplotlib.container import BarContainer as _BC
    from matplotlib.collections import PathCollection as _PC
    from matplotlib.patches import Wedge as _W
    if not _p.get_fignums():
        return {'width': W, 'height': H, 'axes': []}
    fig = _p.gcf()
    dpi = float(fig.dpi) if 10 <= float(fig.dpi) <= 1000 else 100.0
    fig.set_dpi(dpi)
    fig.set_size_inches(W / dpi, H / dpi)
    fig.canvas.draw()
    def f(v):
        try:
            v = float(v)
            return v if math.isfinite(v) else None
        except Exception:
            return None
    def disp(ax, x, y):
        X, Y = ax.transData.transform((x, y))
        return [float(X), float(H - Y)]
    out = []
    for ax in fig.axes:
        bb = ax.get_window_extent()
        box = {'x': float(bb.x0), 'y': float(H - bb.y1), 'w': float(bb.width), 'h': float(bb.height)}
        def ticks(axis, horiz):
            res = []
            lo, hi = sorted(axis.get_view_interval())
            labels = axis.get_ticklabels()
            for loc, lab in zip(axis.get_majorticklocs(), labels):
                if not (lo - 1e-9 * abs(hi - lo) <= loc <= hi + 1e-9 * abs(hi - lo)):
                    continue
                p = disp(ax, loc, ax.get_ylim()[0]) if horiz else disp(ax, ax.get_xlim()[0], loc)
                res.append({'value': float(loc), 'px': p[0] if horiz else p[1], 'label': lab.get_text()})
            return res
        bars = []
        for cont in ax.containers:
            if not isinstance(cont, _BC):
                continue
            horiz = getattr(cont, 'orientation', 'vertical') == 'horizontal'
            lab = cont.get_label()
            items = []
            for pa in cont.patches:
                if horiz:
                    v, b, c = pa.get_width(), pa.get_x(), pa.get_y() + pa.get_height() / 2
                    p0, p1 = disp(ax, b, c), disp(ax, b + v, c)
                    items.append({'value': f(v), 'base': f(b), 'center': f(c), 'centerPx': p0[1], 'basePx': p0[0], 'endPx': p1[0]})
                else:
                    v, b, c = pa.get_height(), pa.get_y(), pa.get_x() + pa.get_width() / 2
                    p0, p1 = disp(ax, c, b), disp(ax, c, b + v)
                    items.append({'value': f(v), 'base': f(b), 'center': f(c), 'centerPx': p0[0], 'basePx': p0[1], 'endPx': p1[1]})
            bars.append({'horizontal': horiz, 'label': lab if lab and not lab.startswith('_') else None, 'bars': items})
        xy = []
        for line in ax.get_lines():
            try:
                xs = [f(v) for v in line.get_xdata()]
                ys = [f(v) for v in line.get_ydata()]
            except Exception:
                continue
            if len(xs) < 2 or any(v is None for v in xs + ys):
                continue
            lab = line.get_label()
            xy.append({'kind': 'line', 'label': lab if lab and not lab.startswith('_') else None, 'x': xs, 'y': ys, 'px': [disp(ax, a, b) for a, b in zip(xs, ys)]})
        for coll in ax.collections:
            if not isinstance(coll, _PC):
                continue
            offs = coll.get_offsets()
            if len(offs) == 0:
                continue
            xs = [f(o[0]) for o in offs]
            ys = [f(o[1]) for o in offs]
            if any(v is None for v in xs + ys):
                continue
            lab = coll.get_label()
            xy.append({'kind': 'scatter', 'label': lab if lab and not lab.startswith('_') else None, 'x': xs, 'y': ys, 'px': [disp(ax, a, b) for a, b in zip(xs, ys)]})
        out.append({'box': box, 'xlim': [float(v) for v in ax.get_xlim()], 'ylim': [float(v) for v in ax.get_ylim()],
                    'xscale': ax.get_xscale(), 'yscale': ax.get_yscale(),
                    'xticks': ticks(ax.xaxis, True), 'yticks': ticks(ax.yaxis, False),
                    'bars': bars, 'xy': xy, 'wedges': len([q for q in ax.patches if isinstance(q, _W)])})
    return {'width': W, 'height': H, 'axes': out}
`;

/** Runs the program and reports what it drew at `width`×`height` px; undefined when it fails. */
export async function readDrawn(program: string, renderer: Renderer, width: number, height: number, timeLimitMs: number, signal?: AbortSignal): Promise<Drawn | undefined> {
  const code = `${program.trimEnd()}\n\n# --- what the program drew (RECODE) ---\n${DRAWN_PY}\nanswer = _recode_json.dumps(_recode_drawn(${width}, ${height}))\n`;
  const r = await renderer.render({ code, mode: 'script', width: 100, height: 100, timeLimitMs }, signal);
  if (!r.ok || r.answer === undefined) return undefined;
  try {
    return JSON.parse(r.answer) as Drawn;
  } catch {
    return undefined;
  }
}

/** The one axes that holds the data (bars, lines or points), when there is exactly one. */
export function dataAxes(d: Drawn): DrawnAxes | undefined {
  const withData = d.axes.filter((a) => a.bars.some((b) => b.bars.length > 0) || a.xy.length > 0);
  return withData.length === 1 ? withData[0] : undefined;
}
