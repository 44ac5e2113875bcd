// dataFit: a program's data against the reader's values, in shares of the axis ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataFit, fitsWorse } from '../src/core/dataFit';
import type { DataTable } from '../src/core/data';
import type { Reading } from '../src/core/reader/types';

function reading(type: Reading['chart_type'], values: number[], valueAxis: [number, number]): Reading {
  const numeric = { scale: 'linear' as const, min: valueAxis[0], max: valueAxis[1], ticks: [] };
  const cats = { scale: 'category' as const, ticks: [], categories: values.map((_, i) => `c${i}`) };
  return {
    chart_type: type,
    x_axis: type === 'horizontal bar' ? numeric : cats,
    y_axis: type === 'horizontal bar' ? cats : numeric,
    series: [{ name: 's', points: values.map((y, i) => ({ x: `c${i}`, y })) }],
    texts: [],
    confidence: 1,
    warnings: [],
    image: { width: 800, height: 600 },
    plotArea: { x: 0, y: 0, w: 800, h: 600 },
    marks: [],
  };
}
const bars = (values: number[]): DataTable[] => [{ name: 't', kind: 'bar', columns: ['category', 'value', 'base'], rows: values.map((v, i) => [`c${i}`, v, 0]) }];

test('dataFit counts read values the program has within 2 % of the range, and a scaled program fits worse', () => {
  const r = reading('bar', [62, 35, 48, 80], [0, 100]);
  const right = dataFit(bars([62.5, 35, 47, 80.9]), r)!;
  const scaled = dataFit(bars([80.6, 45.5, 62.4, 104]), r)!;
  assert.equal(right.within2pct, 4);
  assert.equal(scaled.within2pct, 0);
  assert.ok(fitsWorse(scaled, right));
  assert.ok(!fitsWorse(right, scaled));
});

test('dataFit: horizontal bars are read top to bottom, matplotlib draws them bottom to top', () => {
  const r = reading('horizontal bar', [10, 20, 30], [0, 50]);
  assert.equal(dataFit(bars([30, 20, 10]), r)!.within2pct, 3);
  assert.equal(dataFit(bars([10, 20, 30]), r)!.within2pct, 1);
});

test('dataFit: nothing to compare on a pie or an unread value axis', () => {
  assert.equal(dataFit(bars([1, 2]), reading('pie', [1, 2], [0, 1])), undefined);
  assert.equal(dataFit(bars([1, 2]), { ...reading('bar', [1, 2], [0, 1]), y_axis: { scale: 'linear', ticks: [] } }), undefined);
});
