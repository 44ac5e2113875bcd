/**
 * The chart reader's marks, per chart type: bars (vertical or horizontal, grouped, stacked), lines,
 * scatter points and pie slices, read through the axis maps into data.
 */
import type { RgbaImage } from '../types';
import { toData, toPx, type AxisMap } from './axes';
import { components, dist, fill, h, luma, saturation, w, type Component, type Rgb } from './pixels';
import type { Box, MarkReading } from './types';
import { cx, cy, median, round, type Txt } from './common';
import { isBlend, isRect, type Cluster } from './scene';

export function readBars(clusters: Cluster[], map: AxisMap, horizontal: boolean, area: Box, cats: Txt[], bg: Rgb, panel?: Rgb) {
  type Bar = { c: number; k: Component; mid: number; lo: number; hi: number; s0: number; s1: number };
  const bars: Bar[] = [];
  const rectOf = (c: Cluster) => c.comps.filter(isRect).reduce((s, k) => s + k.area, 0);
  let barClusters = clusters.filter((c) => c.comps.some(isRect) && rectOf(c) >= 0.5 * c.n);
  const most = Math.max(0, ...barClusters.map(rectOf));
  barClusters = barClusters.filter((c) => rectOf(c) >= 0.01 * most);
  // a colour between a bigger bar colour and the page is that bar's anti-aliased edge
  barClusters = barClusters.filter((c) => !barClusters.some((o) => o !== c && rectOf(o) > 3 * rectOf(c) && isBlend(c.color, o.color, bg, panel)));
  // black outlines around coloured bars are not a series
  if (barClusters.some((c) => !(luma(c.color) < 50 && saturation(c.color) < 30))) barClusters = barClusters.filter((c) => !(luma(c.color) < 50 && saturation(c.color) < 30));
  barClusters.forEach((c, ci) => {
    for (const k of c.comps) {
      if (!isRect(k)) continue;
      const thick = horizontal ? h(k) : w(k);
      if (thick < 3) continue;
      // value ends along the value axis (pixel), the band across it
      const lo = horizontal ? k.x0 : k.y0, hi = horizontal ? k.x1 + 1 : k.y1 + 1;
      const s0 = horizontal ? k.y0 : k.x0, s1 = horizontal ? k.y1 + 1 : k.x1 + 1;
      bars.push({ c: ci, k, mid: (s0 + s1) / 2, lo, hi, s0, s1 });
    }
  });
  // drop bars much thinner than the typical bar (pieces of outlines, error bars)
  const typical = median(bars.map((b) => b.s1 - b.s0));
  let kept = bars.filter((b) => b.s1 - b.s0 >= 0.4 * typical);
  // slivers of anti-aliased colour along another bar's end are not bars
  const sameBand0 = (a: Bar, b: Bar) => Math.min(a.s1, b.s1) - Math.max(a.s0, b.s0) > 0.7 * Math.min(a.s1 - a.s0, b.s1 - b.s0);
  kept = kept.filter((b) => b.hi - b.lo > 2 || !kept.some((o) => o !== b && o.hi - o.lo > 2 && sameBand0(o, b) && Math.min(Math.abs(o.lo - b.lo), Math.abs(o.hi - b.hi), Math.abs(o.lo - b.hi), Math.abs(o.hi - b.lo)) <= 3));
  // zero line in pixels
  const zero = map.scale === "log" ? undefined : toPx(map, 0);
  if (process.env.RECODE_READER_DEBUG) console.error("bars", kept.map((b) => [b.c, b.s0, b.s1, b.lo, b.hi]));
  // stacked: bars of different colours share a band and touch end to end
  const sameBand = (a: Bar, b: Bar) => Math.min(a.s1, b.s1) - Math.max(a.s0, b.s0) > 0.7 * Math.min(a.s1 - a.s0, b.s1 - b.s0);
  let touching = 0, sharing = 0;
  for (let i = 0; i < kept.length; i++) for (let j = i + 1; j < kept.length; j++) {
    const a = kept[i], b = kept[j];
    if (a.c === b.c || !sameBand(a, b)) continue;
    sharing++;
    if (Math.abs(a.hi - b.lo) <= 3 || Math.abs(b.hi - a.lo) <= 3) touching++;
  }
  const stacked = barClusters.length > 1 && sharing > 0 && touching >= 0.5 * sharing;
  // slots: groups of bars along the category axis
  const sorted = [...kept].sort((a, b) => a.mid - b.mid);
  const slots: Bar[][] = [];
  if (stacked) {
    for (const b of sorted) {
      const s = slots.find((g) => sameBand(g[0], b));
      if (s) s.push(b); else slots.push([b]);
    }
  } else if (barClusters.length > 1) {
    // grouped: a new group starts at a gap wider than the typical gap between touching bars
    const gaps = sorted.slice(1).map((b, i) => b.s0 - sorted[i].s1);
    const minGap = Math.min(...gaps.filter((g) => g > -2));
    let cur: Bar[] = [];
    sorted.forEach((b, i) => {
      if (i > 0 && (gaps[i - 1] > minGap + Math.max(3, 0.25 * typical) || cur.some((x) => x.c === b.c))) { slots.push(cur); cur = []; }
      cur.push(b);
    });
    if (cur.length) slots.push(cur);
  } else for (const b of sorted) slots.push([b]);
  // category labels to slots: nearest label centre
  const catsSorted = [...cats].sort((a, b) => (horizontal ? cy(a.box) - cy(b.box) : cx(a.box) - cx(b.box)));
  const slotMid = slots.map((s) => (Math.min(...s.map((b) => b.s0)) + Math.max(...s.map((b) => b.s1))) / 2);
  const categories: string[] = [];
  const catPx: number[] = [];
  let missing = 0;
  if (catsSorted.length && catsSorted.length >= slots.length) {
    // each slot takes the nearest label; labels without a bar are counted
    const used = new Set<number>();
    slots.forEach((_, i) => {
      let best = -1, bd = Infinity;
      catsSorted.forEach((t, j) => { const d = Math.abs((horizontal ? cy(t.box) : cx(t.box)) - slotMid[i]); if (d < bd && !used.has(j)) { bd = d; best = j; } });
      used.add(best);
      categories.push(catsSorted[best].text);
      catPx.push(slotMid[i]);
    });
    missing = catsSorted.length - slots.length;
  } else {
    slots.forEach((_, i) => { categories.push(catsSorted[i]?.text ?? `${i + 1}`); catPx.push(slotMid[i]); });
  }
  // series order: by mean position in the slot (grouped) or from the base (stacked)
  const order = barClusters.map((_, ci) => {
    const pos = slots.flatMap((s) => s.filter((b) => b.c === ci).map((b) => (stacked ? (horizontal ? b.lo : -b.hi) : b.mid - Math.min(...s.map((x) => x.s0)))));
    return { ci, pos: pos.length ? pos.reduce((a, b) => a + b, 0) / pos.length : 0 };
  }).sort((a, b) => a.pos - b.pos).map((o) => o.ci);
  const present = order.filter((ci) => kept.some((b) => b.c === ci));
  const marks: MarkReading[] = [];
  const series = present.map((ci, si) => {
    const points = slots.map((s, i) => {
      const b = s.find((x) => x.c === ci);
      let value = 0;
      if (b) {
        const vLo = toData(map, b.lo), vHi = toData(map, b.hi);
        if (stacked) value = Math.abs(vHi - vLo);
        else if (zero !== undefined && zero >= b.lo - 2 && zero <= b.hi + 2) value = Math.abs(b.hi - zero) > Math.abs(b.lo - zero) ? toData(map, b.hi) : toData(map, b.lo);
        else {
          // the end away from the axis base
          const baseAtHigh = horizontal ? false : true;
          value = baseAtHigh ? vLo : vHi;
          if (horizontal) value = vHi;
        }
        if (zero !== undefined && !stacked) {
          // the end farther from zero is the value
          const far = Math.abs(b.lo - zero) > Math.abs(b.hi - zero) ? b.lo : b.hi;
          value = toData(map, far);
        }
        marks.push({ series: si, index: i, kind: 'bar', box: { x: b.k.x0, y: b.k.y0, w: w(b.k), h: h(b.k) }, value: round(value, 4) });
      }
      return { x: categories[i], y: round(value, 4) };
    });
    return { color: barClusters[ci].color, points };
  });
  return { series, marks, categories, catPx, stacked, missing };
}

export function readLines(img: RgbaImage, clusters: Cluster[], area: Box, xMap: AxisMap | undefined, yMap: AxisMap, xCats: Txt[]) {
  const W = img.width;
  const warnings: string[] = [];
  const marks: MarkReading[] = [];
  const series = clusters.map((cl, si) => {
    // the curve: per column, the middle of the cluster's pixels
    const x0 = Math.round(area.x), x1 = Math.round(area.x + area.w);
    const ys: (number | undefined)[] = [];
    const tops: number[] = [], bottoms: number[] = [];
    const thick: number[] = [];
    let first = -1, last = -1;
    for (let x = x0; x < x1; x++) {
      let s = 0, n = 0, top = Infinity, bottom = -Infinity;
      for (let y = Math.round(area.y); y < area.y + area.h; y++) if (cl.mask[y * W + x]) { s += y; n++; top = Math.min(top, y); bottom = Math.max(bottom, y); }
      ys.push(n ? s / n : undefined);
      tops.push(top); bottoms.push(bottom);
      if (n) { thick.push(n); if (first < 0) first = x; last = x; }
    }
    const lw = median(thick);
    // markers on the line (points joined by lines): round blobs much thicker than the line
    const cnt = ys.map((_, k) => (Number.isFinite(tops[k]) ? bottoms[k] - tops[k] + 1 : 0));
    const markerXs: number[] = [];
    for (let k = 0; k < cnt.length; ) {
      if (cnt[k] < Math.max(1.6 * lw, lw + 2)) { k++; continue; }
      let e = k;
      while (e + 1 < cnt.length && cnt[e + 1] >= Math.max(1.6 * lw, lw + 2)) e++;
      const gw = e - k + 1, gh = Math.max(...cnt.slice(k, e + 1));
      if (gw >= 3 && Math.abs(gw - gh) <= 0.4 * Math.max(gw, gh) && gh <= 8 * lw) markerXs.push(x0 + (k + e) / 2);
      k = e + 1;
    }
    const yAt = (x: number) => {
      const k = Math.round(x) - x0;
      for (let d = 0; d <= 3; d++) { const v = ys[k - d] ?? ys[k + d]; if (v !== undefined) return v; }
      return undefined;
    };
    let xs: number[];
    if (!xMap && xCats.length) xs = xCats.map((t) => cx(t.box));
    else if (markerXs.length >= 3) xs = markerXs;
    else {
      // vertices: where the curve bends (Douglas–Peucker), then their common step
      const pts: [number, number][] = [];
      for (let x = first; x <= last; x++) { const y = ys[x - x0]; if (y !== undefined) pts.push([x, y]); }
      const keep = simplify(pts, Math.max(2, 0.8 * lw));
      const start = first + Math.min(lw, 3) / 2, end = last - Math.min(lw, 3) / 2;
      const diffs = keep.slice(1).map((p, i) => p[0] - keep[i][0]).filter((d) => d >= 3);
      let step = end - start;
      let bestScore = -1;
      for (const d0 of diffs) for (const k of [1, 2, 3]) {
        const s = d0 / k;
        if (s < 3) continue;
        const n = Math.round((end - start) / s);
        if (n < 1) continue;
        const sAdj = (end - start) / n;
        const score = diffs.filter((d) => Math.abs(d / sAdj - Math.round(d / sAdj)) * sAdj <= 1.5).length / diffs.length;
        // the longest step that explains most gaps between bends
        const good = score >= 0.8;
        if ((good && (bestScore < 0.8 || sAdj > step)) || (!good && bestScore < 0.8 && score > bestScore)) { bestScore = score; step = sAdj; }
      }
      if (bestScore < 0.8 && diffs.length) warnings.push('the line\'s vertices are not evenly spaced: points are read at its bends');
      if (bestScore >= 0.8 || !diffs.length) {
        const n = Math.max(1, Math.round((end - start) / step));
        xs = Array.from({ length: n + 1 }, (_, i) => start + (i * (end - start)) / n);
      } else xs = keep.map((p) => p[0]);
    }
    const points: { x: string | number; y: number }[] = [];
    const half = xs.length > 1 ? Math.max(2, (xs[1] - xs[0]) / 2) : 4;
    xs.forEach((x, i) => {
      let y = yAt(x);
      // at a peak or a dip the vertex is the line's outer edge (less half its width), not the column's middle
      const before = yAt(x - half), after = yAt(x + half), k = Math.round(x) - x0;
      if (y !== undefined && before !== undefined && after !== undefined && Number.isFinite(tops[k])) {
        const halfLw = Math.min(lw, 4) / 2;
        if (before > y && after > y) y = tops[k] + halfLw;
        else if (before < y && after < y) y = bottoms[k] - halfLw;
      }
      if (y === undefined) return;
      let xv: string | number = !xMap && xCats.length ? xCats[i].text : xMap ? toData(xMap, x) : i + 1;
      if (typeof xv === 'number' && xMap) {
        // data x values: round to the step's precision
        const stepData = xs.length > 1 ? Math.min(...xs.slice(1).map((v, j) => Math.abs(toData(xMap, v) - toData(xMap, xs[j])))) : 1;
        const nice = niceStep(stepData);
        if (Math.abs(nice - stepData) / stepData < 0.08) xv = round(Math.round(xv / nice) * nice, 6);
        else xv = round(xv, 4);
      }
      const yv = toData(yMap, y);
      points.push({ x: xv, y: round(yv, 4) });
      marks.push({ series: si, index: i, kind: 'vertex', px: [round(x, 1), round(y, 1)], value: round(yv, 4) });
    });
    return { color: cl.color, points };
  });
  return { series, marks, warnings };
}

export function niceStep(v: number): number {
  const e = 10 ** Math.floor(Math.log10(v));
  const m = v / e;
  const cands = [1, 2, 2.5, 5, 10];
  return cands.reduce((a, b) => (Math.abs(b - m) < Math.abs(a - m) ? b : a)) * e;
}

export function simplify(pts: [number, number][], eps: number): [number, number][] {
  if (pts.length < 3) return pts;
  const keep = new Uint8Array(pts.length);
  keep[0] = keep[pts.length - 1] = 1;
  const stack: [number, number][] = [[0, pts.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    let best = -1, bd = eps;
    const [ax, ay] = pts[a], [bx, by] = pts[b];
    const len = Math.hypot(bx - ax, by - ay) || 1;
    for (let i = a + 1; i < b; i++) {
      const d = Math.abs((by - ay) * pts[i][0] - (bx - ax) * pts[i][1] + bx * ay - by * ax) / len;
      if (d > bd) { bd = d; best = i; }
    }
    if (best >= 0) { keep[best] = 1; stack.push([a, best], [best, b]); }
  }
  return pts.filter((_, i) => keep[i]);
}

export function readScatter(clusters: Cluster[], xMap: AxisMap, yMap: AxisMap, imgW: number) {
  const marks: MarkReading[] = [];
  const warnings: string[] = [];
  let si = 0;
  const series: { color: Rgb; points: { x: number; y: number }[] }[] = [];
  for (const cl of clusters) {
    const comps = cl.comps.filter((k) => k.area >= 4);
    if (comps.length < 2) continue;
    const unit = median(comps.map((k) => k.area));
    const pts: [number, number][] = [];
    let split = 0;
    for (const k of comps) {
      const n = Math.max(1, Math.round(k.area / unit));
      if (n === 1) { pts.push([(k.x0 + k.x1 + 1) / 2, (k.y0 + k.y1 + 1) / 2]); continue; }
      split += n - 1;
      pts.push(...kmeans(k, n, imgW));
    }
    if (split) warnings.push(`${split} overlapping marker(s) split by area`);
    const points = pts.sort((a, b) => a[0] - b[0]).map(([x, y], i) => {
      const xv = toData(xMap, x), yv = toData(yMap, y);
      marks.push({ series: si, index: i, kind: 'point', px: [round(x, 1), round(y, 1)], value: round(yv, 4) });
      return { x: round(xv, 4), y: round(yv, 4) };
    });
    series.push({ color: cl.color, points });
    si++;
  }
  return { series, marks, warnings };
}

export function kmeans(k: Component, n: number, imgW: number): [number, number][] {
  const xs = Array.from(k.pixels, (i) => i % imgW), ys = Array.from(k.pixels, (i) => Math.floor(i / imgW));
  // start along the longer side of the blob
  const horiz = w(k) >= h(k);
  let c: [number, number][] = Array.from({ length: n }, (_, j) => {
    const t = (j + 0.5) / n;
    return horiz ? [k.x0 + t * w(k), (k.y0 + k.y1 + 1) / 2] : [(k.x0 + k.x1 + 1) / 2, k.y0 + t * h(k)];
  });
  for (let it = 0; it < 12; it++) {
    const s = c.map(() => [0, 0, 0]);
    for (let i = 0; i < xs.length; i++) {
      let best = 0, bd = Infinity;
      c.forEach(([a, b], j) => { const d = (xs[i] - a) ** 2 + (ys[i] - b) ** 2; if (d < bd) { bd = d; best = j; } });
      s[best][0] += xs[i]; s[best][1] += ys[i]; s[best][2]++;
    }
    c = c.map((old, j) => (s[j][2] ? [s[j][0] / s[j][2] + 0.5, s[j][1] / s[j][2] + 0.5] : old));
  }
  return c;
}

// pie -----------------------------------------------------------------------------------------

export function readPie(img: RgbaImage, bg: Rgb, texts: Txt[], legend: { text: Txt; color: Rgb }[]) {
  const W = img.width, H = img.height;
  const mask = new Uint8Array(W * H);
  for (let i = 0, p = 0; i < mask.length; i++, p += 4) {
    if (Math.abs(img.data[p] - bg[0]) + Math.abs(img.data[p + 1] - bg[1]) + Math.abs(img.data[p + 2] - bg[2]) > 50) mask[i] = 1;
  }
  for (const t of texts) for (let y = t.box.y; y < t.box.y + t.box.h; y++) for (let x = t.box.x; x < t.box.x + t.box.w; x++) mask[y * W + x] = 0;
  const comps = components(mask, W, H, img, 50);
  const disc = comps.sort((a, b) => b.area - a.area)[0];
  if (!disc) return undefined;
  const dw = w(disc), dh = h(disc);
  if (Math.abs(dw - dh) > 0.08 * Math.max(dw, dh) || dw < 40) return undefined;
  const f = fill(disc);
  if (f < 0.6 || f > 0.85) return undefined;
  const ccx = (disc.x0 + disc.x1 + 1) / 2, ccy = (disc.y0 + disc.y1 + 1) / 2, r = (dw + dh) / 4;
  // donut: the centre is background
  const pc = (Math.round(ccy) * W + Math.round(ccx)) * 4;
  const hole = dist([img.data[pc], img.data[pc + 1], img.data[pc + 2]], bg) < 40;
  const radius = hole ? 0.85 * r : 0.65 * r;
  const stepDeg = 0.25;
  const samples: Rgb[] = [];
  for (let a = 0; a < 360; a += stepDeg) {
    const t = (a * Math.PI) / 180;
    const x = Math.round(ccx + radius * Math.sin(t)), y = Math.round(ccy - radius * Math.cos(t));
    const p = (y * W + x) * 4;
    samples.push([img.data[p], img.data[p + 1], img.data[p + 2]]);
  }
  // runs of one colour; short runs are borders
  type Run = { a0: number; a1: number; color: Rgb; n: number };
  const runs: Run[] = [];
  for (let i = 0; i < samples.length; i++) {
    const c = samples[i], last = runs[runs.length - 1];
    if (last && dist(last.color, c) < 30) { last.a1 = (i + 1) * stepDeg; last.n++; }
    else runs.push({ a0: i * stepDeg, a1: (i + 1) * stepDeg, color: c, n: 1 });
  }
  if (runs.length > 1 && dist(runs[0].color, runs[runs.length - 1].color) < 30) {
    const l = runs.pop()!;
    runs[0].a0 = l.a0 - 360; runs[0].n += l.n;
  }
  const kept = runs.filter((q) => q.a1 - q.a0 >= 1.5 && dist(q.color, bg) >= 30);
  if (kept.length < 2) return undefined;
  // boundaries halfway across the borders between kept runs
  const slices = kept.map((q, i) => {
    const prev = kept[(i - 1 + kept.length) % kept.length], next = kept[(i + 1) % kept.length];
    const pe = i === 0 ? prev.a1 - 360 : prev.a1;
    const ns = i === kept.length - 1 ? next.a0 + 360 : next.a0;
    const s = (pe + q.a0) / 2, e = (q.a1 + ns) / 2;
    return { start: s, end: e, color: q.color };
  });
  const total = slices.reduce((s, q) => s + (q.end - q.start), 0);
  const warnings: string[] = [];
  const used = new Set<Txt>();
  const labelTexts: Txt[] = [];
  const out = slices.map((q, i) => {
    const mid = ((q.start + q.end) / 2 + 360) % 360;
    const t = (mid * Math.PI) / 180;
    let label: string | undefined;
    const lg = legend.map((l) => ({ l, d: dist(l.color, q.color) })).sort((a, b) => a.d - b.d)[0];
    if (lg && lg.d < 50) label = lg.l.text.text;
    else {
      let best: Txt | undefined, bd = Infinity;
      for (const tx of texts) {
        if (used.has(tx) || !tx.text || tx.role === 'title') continue;
        const dx = cx(tx.box) - ccx, dy = cy(tx.box) - ccy;
        const dd = Math.hypot(dx, dy);
        if (dd > 1.6 * r) continue;
        const ang = ((Math.atan2(dx, -dy) * 180) / Math.PI + 360) % 360;
        const diff = Math.min(Math.abs(ang - mid), 360 - Math.abs(ang - mid));
        if (diff < bd && diff < 25) { bd = diff; best = tx; }
      }
      if (best) { used.add(best); labelTexts.push(best); label = best.text; }
    }
    if (!label) warnings.push(`slice ${i + 1} has no label`);
    // "Brown (220)", "Brown: 37%": the name, the number written with it stays in the texts
    const named = label ? /^(.*?\S)\s*(?:\(\s*[-\d.,%\s]+\)|:\s*[-\d.,%\s]+)$/.exec(label) : null;
    if (named) label = named[1];
    return { label: label ?? `slice ${i + 1}`, share: (q.end - q.start) / total, px: [round(ccx + 0.6 * r * Math.sin(t), 1), round(ccy - 0.6 * r * Math.cos(t), 1)] as [number, number], start: q.start };
  });
  // clockwise from the top: the slice holding 12 o'clock first
  const topIdx = out.findIndex((q, i) => { const s = ((slices[i].start % 360) + 360) % 360, e = s + (slices[i].end - slices[i].start); return (s <= 0.001 || e >= 360) || s === 0; });
  const ordered = topIdx > 0 ? [...out.slice(topIdx), ...out.slice(0, topIdx)] : out;
  return {
    box: { x: disc.x0, y: disc.y0, w: dw, h: dh },
    slices: ordered,
    confidence: warnings.length ? 0.5 : 0.8,
    warnings,
    labelTexts,
  };
}

