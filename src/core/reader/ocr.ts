/**
 * Offline OCR: tesseract.js (LSTM only) with the English data of `@tesseract.js-data/eng`, loaded
 * from the package's own files (or from the copies the bundle ships next to itself in
 * dist/tesseract/) — never from a CDN. One label at a time: crop, turn flat, upscale 3×, a white
 * border, single-line mode (PSM 7); measured in shared/notes/ocr-offline.md.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodePng } from '../image';
import type { RgbaImage } from '../types';
import type { Box } from './types';

export interface OcrLine {
  text: string;
  /** 0..1 */
  confidence: number;
}

export interface OcrOptions {
  /** Characters tesseract may answer with (numeric axes). */
  whitelist?: string;
  /** Degrees the text in the box is turned counter-clockwise; the crop is turned back first. */
  rotation?: 0 | 90 | -90;
}

export interface Ocr {
  /** Reads one line of text inside `box` of `image`. */
  readLine(image: RgbaImage, box: Box, opts?: OcrOptions): Promise<OcrLine>;
  terminate(): Promise<void>;
}

/** Where the worker script and the language data are: next to the bundle, or in node_modules. */
export function ocrPaths(): { workerPath?: string; langPath: string } {
  const shipped = join(__dirname, 'tesseract');
  if (existsSync(join(shipped, 'worker.js')) && existsSync(join(shipped, 'eng.traineddata.gz'))) {
    return { workerPath: join(shipped, 'worker.js'), langPath: shipped };
  }
  // (createRequire: the bundler leaves this look-up to run time, in node_modules during development)
  const dir = dirname(createRequire(__filename).resolve('@tesseract.js-data/eng/package.json'));
  return { langPath: join(dir, '4.0.0_best_int') };
}

const SCALE = 3;
const BORDER = 12;

/** The crop of `box`, turned flat, upscaled 3× (bilinear) on white with a white border. */
export function prepareCrop(image: RgbaImage, box: Box, rotation: 0 | 90 | -90 = 0): RgbaImage {
  const x0 = Math.max(0, Math.floor(box.x)), y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.w)), y1 = Math.min(image.height, Math.ceil(box.y + box.h));
  let cw = Math.max(1, x1 - x0), ch = Math.max(1, y1 - y0);
  // gray crop, turned so the text reads left to right
  const turned = rotation === 0 ? { w: cw, h: ch } : { w: ch, h: cw };
  const g = new Float32Array(turned.w * turned.h);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const p = ((y0 + y) * image.width + x0 + x) * 4;
      const a = image.data[p + 3] / 255;
      const v = (0.299 * image.data[p] + 0.587 * image.data[p + 1] + 0.114 * image.data[p + 2]) * a + 255 * (1 - a);
      let tx = x, ty = y;
      if (rotation === 90) { tx = ch - 1 - y; ty = x; } // text read bottom→top: turn clockwise
      else if (rotation === -90) { tx = y; ty = cw - 1 - x; }
      g[ty * turned.w + tx] = v;
    }
  }
  cw = turned.w; ch = turned.h;
  // stretch contrast: the darkest ink → black, the lightest → white (grey text on grey panels)
  let lo = 255, hi = 0;
  for (const v of g) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = Math.max(1, hi - lo);
  const W = cw * SCALE + 2 * BORDER, H = ch * SCALE + 2 * BORDER;
  const out = new Uint8Array(W * H * 4).fill(255);
  for (let y = 0; y < ch * SCALE; y++) {
    const fy = Math.min(ch - 1, Math.max(0, (y + 0.5) / SCALE - 0.5));
    const ya = Math.floor(fy), yb = Math.min(ch - 1, ya + 1), wy = fy - ya;
    for (let x = 0; x < cw * SCALE; x++) {
      const fx = Math.min(cw - 1, Math.max(0, (x + 0.5) / SCALE - 0.5));
      const xa = Math.floor(fx), xb = Math.min(cw - 1, xa + 1), wx = fx - xa;
      const v = (g[ya * cw + xa] * (1 - wx) + g[ya * cw + xb] * wx) * (1 - wy) + (g[yb * cw + xa] * (1 - wx) + g[yb * cw + xb] * wx) * wy;
      const s = Math.max(0, Math.min(255, ((v - lo) / span) * 255));
      const o = ((y + BORDER) * W + x + BORDER) * 4;
      out[o] = out[o + 1] = out[o + 2] = s;
    }
  }
  return { width: W, height: H, data: out };
}

/** Starts a warm OCR engine (about 0.6 s). Reads nothing from the network. */
export async function createOcr(): Promise<Ocr> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tesseract = require('tesseract.js') as typeof import('tesseract.js');
  const { workerPath, langPath } = ocrPaths();
  let failure: unknown;
  const worker = await tesseract.createWorker('eng', 1 /* LSTM only */, {
    langPath,
    gzip: true,
    cacheMethod: 'none',
    ...(workerPath ? { workerPath } : {}),
    errorHandler: (e: unknown) => { failure = e; },
  });
  let whitelist = '';
  await worker.setParameters({ tessedit_pageseg_mode: '7' as never, tessedit_char_whitelist: '' });
  // one recognition at a time: tesseract keeps its parameters per worker
  let queue: Promise<unknown> = Promise.resolve();
  const readLine = (image: RgbaImage, box: Box, opts: OcrOptions = {}): Promise<OcrLine> => {
    const job = queue.then(async () => {
      if (failure) throw new Error(`OCR failed: ${String(failure)}`);
      const wl = opts.whitelist ?? '';
      if (wl !== whitelist) {
        await worker.setParameters({ tessedit_char_whitelist: wl });
        whitelist = wl;
      }
      const png = encodePng(prepareCrop(image, box, opts.rotation ?? 0));
      const { data } = await worker.recognize(Buffer.from(png));
      return { text: data.text.replace(/\s+/g, ' ').trim(), confidence: Math.max(0, Math.min(1, data.confidence / 100)) };
    });
    queue = job.catch(() => undefined);
    return job;
  };
  return {
    readLine,
    terminate: async () => { await worker.terminate(); },
  };
}
