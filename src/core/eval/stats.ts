/**
 * Summary statistics of an evaluation: accuracy with a 95 % Wilson score interval (sound for small
 * samples and for 0 % or 100 %), means with a normal-approximation interval.
 */

export interface Proportion {
  n: number;
  correct: number;
  accuracy: number;
  /** 95 % Wilson score interval. */
  ci95: [number, number];
}

const Z = 1.959964;

export function proportion(correct: number, n: number): Proportion {
  if (n === 0) return { n, correct, accuracy: 0, ci95: [0, 0] };
  const p = correct / n;
  const d = 1 + (Z * Z) / n;
  const centre = (p + (Z * Z) / (2 * n)) / d;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n))) / d;
  return { n, correct, accuracy: p, ci95: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}

export interface Mean {
  n: number;
  mean: number;
  ci95: [number, number];
}

export function mean(values: number[]): Mean {
  const n = values.length;
  if (n === 0) return { n, mean: 0, ci95: [0, 0] };
  const m = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean: m, ci95: [m, m] };
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
  const half = (Z * sd) / Math.sqrt(n);
  return { n, mean: m, ci95: [Math.max(0, m - half), Math.min(1, m + half)] };
}
