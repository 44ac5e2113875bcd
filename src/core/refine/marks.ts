/**
 * Where a value's mark is in a render, from pixels: the render on the original's canvas (a View),
 * the pixels a probe moved (its territory), bars' bands, lines' vertices, probe sightings, and the
 * grouping of values whose territories do not touch (so one render can try a step for each).
 */
/** A render on the original's canvas (fixed alignment) with its per-pixel mark cost. */
export interface View {
  rgba: Uint8Array;
  /** Colour class per pixel (the original's palette). */
  cls: Int8Array;
  cost: Float32Array;
}

export function copyView(dst: View, src: View, q: number): void {
  dst.cost[q] = src.cost[q];
  dst.cls[q] = src.cls[q];
  const p4 = q * 4;
  dst.rgba[p4] = src.rgba[p4]; dst.rgba[p4 + 1] = src.rgba[p4 + 1]; dst.rgba[p4 + 2] = src.rgba[p4 + 2];
}

export function setView(dst: View, src: View): void {
  dst.rgba.set(src.rgba);
  dst.cls.set(src.cls);
  dst.cost.set(src.cost);
}

/** The rows (a bar moving along x) or the columns (along y) a bar's end moves in. */
export interface Band { along: 'x' | 'y'; lo: number; hi: number }

/**
 * A probe's moved pixels as a bar's end: the strip between its old and new end, with the bar's body
 * (its class in both renders) on one side along the motion and not on the other; undefined when the
 * moved pixels do not look like that (a line, a point, a wedge).
 */
export function barBand(a: Int8Array, b: Int8Array, changed: Int32Array, k: number, w: number, h: number): Band | undefined {
  if (k < 0 || changed.length < 4) return undefined;
  let x0 = w, x1 = -1, y0 = h, y1 = -1;
  for (const q of changed) {
    const x = q % w, y = (q / w) | 0;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  /** The share of a side's line, just outside the box, that is the mark's class in both renders. */
  const side = (vertical: boolean, at: number, from: number, to: number): number => {
    if (at < 0 || at >= (vertical ? w : h)) return 0;
    let hit = 0, all = 0;
    for (let t = from; t <= to; t++) {
      const q = vertical ? t * w + at : at * w + t;
      all++;
      if (a[q] === k && b[q] === k) hit++;
    }
    return all ? hit / all : 0;
  };
  const left = side(true, x0 - 1, y0, y1), right = side(true, x1 + 1, y0, y1);
  const top = side(false, y0 - 1, x0, x1), bottom = side(false, y1 + 1, x0, x1);
  const oneSided = (p: number, q: number) => (p >= 0.6 && q <= 0.3) || (q >= 0.6 && p <= 0.3);
  const acrossClear = (p: number, q: number) => p <= 0.3 && q <= 0.3;
  if (oneSided(left, right) && acrossClear(top, bottom)) return { along: 'x', lo: y0, hi: y1 };
  if (oneSided(top, bottom) && acrossClear(left, right)) return { along: 'y', lo: x0, hi: x1 };
  return undefined;
}

export function bandPixels(b: Band, w: number, h: number): Int32Array {
  const out: number[] = [];
  if (b.along === 'x') for (let y = b.lo; y <= b.hi; y++) for (let x = 0; x < w; x++) out.push(y * w + x);
  else for (let y = 0; y < h; y++) for (let x = b.lo; x <= b.hi; x++) out.push(y * w + x);
  return Int32Array.from(out);
}

/** The colour class most of a value's moved pixels have (in either render); -1 if none: the probe's `k`. */
export function markClass(a: Int8Array, b: Int8Array, changed: Int32Array): number {
  const counts = new Map<number, number>();
  for (const q of changed) {
    if (a[q] === b[q]) continue;
    for (const c of [a[q], b[q]]) if (c >= 0) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = -1, most = 0;
  for (const [c, m] of counts) if (m > most) { most = m; best = c; }
  return best;
}

/** A line's vertex: the value then, how far (px) the original's vertex is from the render's, and px per unit. */
export interface VertexSighting { from: number; offset: number; slope: number }

/**
 * A line's vertex, from its probe: the column (row) where the mark moved most is the vertex's; the
 * vertex's place along it is read the same way in the render and in the original (the run of the
 * mark's class there: its end at a peak or a trough, else its middle), and the value that puts the
 * render's where the original's is follows from the probe's shift. Undefined when unclear.
 */
export function vertexGuess(orig: Int8Array, a: Int8Array, b: Int8Array, changed: Int32Array, k: number, w: number, h: number, vertical: boolean, from: number, to: number): VertexSighting | undefined {
  const across = vertical ? w : h, len = vertical ? h : w;
  const sa = new Float64Array(across), na = new Int32Array(across), sb = new Float64Array(across), nb = new Int32Array(across);
  for (const q of changed) {
    const x = q % w, y = (q / w) | 0;
    const c = vertical ? x : y, t = vertical ? y : x;
    if (a[q] === k) { sa[c] += t; na[c]++; }
    if (b[q] === k) { sb[c] += t; nb[c]++; }
  }
  const at = (c: number, t: number) => (vertical ? t * w + c : c * w + t);
  /** The run of class k in column c nearest to `near` (within a third of the canvas): [first, last]. */
  const run = (cls: Int8Array, c: number, near: number): [number, number] | undefined => {
    const lim = len / 3;
    let best: [number, number] | undefined, bestD = Infinity;
    for (let t = Math.max(0, Math.floor(near - lim)); t < Math.min(len, Math.ceil(near + lim)); t++) {
      if (cls[at(c, t)] !== k) continue;
      let e = t;
      while (e + 1 < len && cls[at(c, e + 1)] === k) e++;
      const d = near < t ? t - near : near > e ? near - e : 0;
      if (d < bestD) { bestD = d; best = [t, e]; }
      t = e;
    }
    return best;
  };
  // the vertex's column: where the mark's run moved furthest (both its ends)
  let col = -1, shift = 0;
  for (let c = 1; c < across - 1; c++) {
    if (!na[c] || !nb[c]) continue;
    const ra = run(a, c, sa[c] / na[c]), rb = run(b, c, sb[c] / nb[c]);
    if (!ra || !rb) continue;
    const d = (rb[0] - ra[0] + rb[1] - ra[1]) / 2;
    if (Math.abs(d) > Math.abs(shift)) { shift = d; col = c; }
  }
  if (col < 1 || Math.abs(shift) < 2) return undefined;
  const vertex = (cls: Int8Array, near: number): number | undefined => {
    const m = run(cls, col, near);
    if (!m) return undefined;
    const mid = (m[0] + m[1]) / 2;
    const l = run(cls, col - 1, mid), r = run(cls, col + 1, mid);
    if (!l || !r) return mid;
    const lm = (l[0] + l[1]) / 2, rm = (r[0] + r[1]) / 2;
    if (lm > mid && rm > mid) return m[0];
    if (lm < mid && rm < mid) return m[1];
    return mid;
  };
  const now = vertex(a, sa[col] / na[col]);
  if (now === undefined) return undefined;
  const there = vertex(orig, now);
  if (there === undefined) return undefined;
  return { from, offset: there - now, slope: shift / (to - from) };
}

/** A value's probe: its mark's class, centroid (work px) and size before, centroid after. */
export interface Sighting {
  k: number;
  x: number;
  y: number;
  area: number;
  dx: number;
  dy: number;
  /** The value before and after the probe, and all values at the time. */
  from: number;
  to: number;
  values: number[];
}

export function probeSighting(a: Int8Array, b: Int8Array, changed: Int32Array, k: number, w: number, values: number[], i: number, to: number): Sighting | undefined {
  if (k < 0 || to === values[i]) return undefined;
  let ax = 0, ay = 0, an = 0, bx = 0, by = 0, bn = 0;
  for (const q of changed) {
    const x = q % w, y = (q / w) | 0;
    if (a[q] === k) { ax += x; ay += y; an++; }
    if (b[q] === k) { bx += x; by += y; bn++; }
  }
  if (an === 0 || bn === 0) return undefined;
  return { k, x: ax / an, y: ay / an, area: an, dx: bx / bn - ax / an, dy: by / bn - ay / an, from: values[i], to, values: values.slice() };
}

export const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const mode = (xs: number[]) => {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1])[0][0];
};


/** Lists of at least this many values are probed many values per render. */
export const BATCH_MIN = 12;
/** The classes probed together: in each long list, every third value. */
export function probeClasses(lengths: number[], firsts: number[]): number[][] {
  const out: number[][] = [];
  lengths.forEach((len, li) => {
    if (len < BATCH_MIN) return;
    for (let r = 0; r < 3; r++) {
      const cls: number[] = [];
      for (let j = r; j < len; j += 3) cls.push(firsts[li] + j);
      out.push(cls);
    }
  });
  return out;
}

const binom = (n: number, k: number) => { let v = 1; for (let i = 1; i <= k; i++) v = (v * (n - k + i)) / i; return Math.round(v); };

/** The fewest renders (bits) with enough codes of half as many ones for `m` values. */
export function codeSize(m: number): { bits: number; weight: number } {
  let bits = 2;
  while (binom(bits, bits >> 1) < m) bits++;
  return { bits, weight: bits >> 1 };
}

/** The bit masks of `bits` bits with exactly `weight` ones, smallest first. */
export function constantWeightCodes(bits: number, weight: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < 1 << bits; v++) {
    let k = 0;
    for (let x = v; x; x &= x - 1) k++;
    if (k === weight) out.push(v);
  }
  return out;
}

/** Indices of the pixels whose colour differs by more than 24 in some channel. */
export function changedPixels(a: Uint8Array, b: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let q = 0, p = 0; p < a.length; q++, p += 4) {
    if (Math.abs(a[p] - b[p]) > 24 || Math.abs(a[p + 1] - b[p + 1]) > 24 || Math.abs(a[p + 2] - b[p + 2]) > 24) out.push(q);
  }
  return Int32Array.from(out);
}

/** The pixels within `r` (square) of a set of pixels. */
export function dilateList(px: Int32Array, w: number, h: number, r: number): Int32Array {
  const seen = new Uint8Array(w * h);
  const out: number[] = [];
  for (const q of px) {
    const x = q % w, y = (q / w) | 0;
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
      for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
        const k = yy * w + xx;
        if (!seen[k]) { seen[k] = 1; out.push(k); }
      }
    }
  }
  return Int32Array.from(out);
}

/** Greedy colouring: values whose territories, grown by `margin`, overlap go to different groups. */
export function groupByOverlap(territory: (Int32Array | undefined)[], w: number, h: number, margin: number): number[][] {
  const grown = territory.map((t) => (t ? dilateList(t, w, h, margin) : undefined));
  // for each pixel, the groups already holding it; pixels are claimed by the grown territories
  const groups: number[][] = [];
  const owners: Uint8Array[] = []; // per group, a mask of its grown territories
  for (let i = 0; i < territory.length; i++) {
    const g = grown[i];
    if (!g) continue;
    let placed = false;
    for (let k = 0; k < groups.length && !placed; k++) {
      const m = owners[k];
      let clash = false;
      for (const q of g) if (m[q]) { clash = true; break; }
      if (!clash) {
        groups[k].push(i);
        for (const q of g) m[q] = 1;
        placed = true;
      }
    }
    if (!placed) {
      const m = new Uint8Array(w * h);
      for (const q of g) m[q] = 1;
      groups.push([i]);
      owners.push(m);
    }
  }
  return groups;
}

/** Each pixel labelled with the index of the nearest territory (chamfer distance). */
export function voronoi(territories: Int32Array[], w: number, h: number): Int16Array {
  const INF = 1 << 29;
  const dist = new Int32Array(w * h).fill(INF);
  const label = new Int16Array(w * h).fill(-1);
  territories.forEach((t, k) => {
    for (const q of t) { dist[q] = 0; label[q] = k; }
  });
  const relax = (i: number, j: number, cost: number) => {
    const v = dist[j] + cost;
    if (v < dist[i]) { dist[i] = v; label[i] = label[j]; }
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x > 0) relax(i, i - 1, 3);
      if (y > 0) {
        relax(i, i - w, 3);
        if (x > 0) relax(i, i - w - 1, 4);
        if (x < w - 1) relax(i, i - w + 1, 4);
      }
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (x < w - 1) relax(i, i + 1, 3);
      if (y < h - 1) {
        relax(i, i + w, 3);
        if (x < w - 1) relax(i, i + w + 1, 4);
        if (x > 0) relax(i, i + w - 1, 4);
      }
    }
  }
  return label;
}
