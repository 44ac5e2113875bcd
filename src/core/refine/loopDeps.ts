/**
 * What the loop's numeric stage hands the refinement: renders scored against the original (pixels),
 * what a program draws, and how close that is to the reading. Exported for the benchmarks, which
 * must call the refinement exactly as `recode derender` does.
 */
import type { RenderResult, Renderer, RgbaImage } from '../types';
import { decodeImage } from '../image';
import { scorePair, type PreparedOriginal } from '../critic/pixelCritic';
import type { DataFit } from '../dataFit';
import { extractData } from '../data';
import type { Reading } from '../reader/types';
import { readDrawn } from './drawn';
import { drawnFit, pieFit } from './drawnFit';

/**
 * What the data-space refinement needs: renders scored against the original, what a program
 * draws, and how close that is to the reading. `render` is the caller's (counted in its record);
 * `counted` is told of every other program run.
 */
export function dataSpaceDeps(o: {
  renderer: Renderer;
  render: (code: string) => Promise<RenderResult>;
  original: PreparedOriginal;
  width: number;
  height: number;
  timeLimitMs: number;
  reading?: Reading;
  signal?: AbortSignal;
  counted?: () => void;
}) {
  const search = numericSearchCallbacks(o.render, o.original);
  const drawn = async (code: string) => {
    o.counted?.();
    return readDrawn(code, o.renderer, o.width, o.height, o.timeLimitMs, o.signal);
  };
  return {
    score: search.evaluate,
    renderImage: search.renderImage,
    original: o.original,
    drawn,
    fit: async (code: string): Promise<DataFit | undefined> => {
      if (!o.reading) return undefined;
      if (o.reading.chart_type === 'pie') {
        o.counted?.();
        try {
          return pieFit((await extractData(code, o.renderer, o.signal, o.timeLimitMs)).tables, o.reading);
        } catch {
          return undefined;
        }
      }
      const d = await drawn(code);
      return d && drawnFit(d, o.reading);
    },
  };
}

/**
 * What `refineNumbers` needs to run its local search (many values per render, scatter and line
 * jumps): the render as an image and the prepared original, besides the scalar score. The same
 * callbacks the refinement bench gives it, so the bench measures the search users run.
 */
export function numericSearchCallbacks(
  render: (code: string) => Promise<RenderResult>,
  original: PreparedOriginal,
): { evaluate: (code: string) => Promise<number | undefined>; renderImage: (code: string) => Promise<RgbaImage | undefined>; original: PreparedOriginal } {
  const renderImage = async (code: string): Promise<RgbaImage | undefined> => {
    const r = await render(code);
    if (!r.ok || !r.png) return undefined;
    try {
      return decodeImage(r.png);
    } catch {
      return undefined;
    }
  };
  return {
    evaluate: async (code) => {
      const img = await renderImage(code);
      return img ? scorePair(original, img).score : undefined;
    },
    renderImage,
    original,
  };
}
