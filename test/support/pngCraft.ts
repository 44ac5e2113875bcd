// Hand-built PNG files for the bad-input tests: 16-bit depths and animated PNGs (APNG), which the
// usual encoders here do not write. Plain chunk assembly, no filtering (filter type 0 per row).
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/core/png';


export function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Colour types: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA. */
export const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function ihdr(width: number, height: number, bitDepth: 8 | 16, colourType: number): Buffer {
  const h = Buffer.alloc(13);
  h.writeUInt32BE(width, 0);
  h.writeUInt32BE(height, 4);
  h[8] = bitDepth;
  h[9] = colourType;
  return h; // compression, filter, interlace: 0
}

/** Samples (one number per channel per pixel, 0..2^bitDepth-1) → the zlib stream of filter-0 rows. */
function imageData(width: number, height: number, bitDepth: 8 | 16, colourType: number, samples: ArrayLike<number>): Buffer {
  const ch = CHANNELS[colourType];
  const bpr = width * ch * (bitDepth / 8);
  const raw = Buffer.alloc((bpr + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (bpr + 1);
    raw[row] = 0;
    for (let i = 0; i < width * ch; i++) {
      const v = samples[y * width * ch + i];
      if (bitDepth === 16) raw.writeUInt16BE(v, row + 1 + i * 2);
      else raw[row + 1 + i] = v;
    }
  }
  return deflateSync(raw);
}

export function pngFromSamples(width: number, height: number, bitDepth: 8 | 16, colourType: number, samples: ArrayLike<number>): Buffer {
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr(width, height, bitDepth, colourType)),
    chunk('IDAT', imageData(width, height, bitDepth, colourType, samples)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An animated PNG of 8-bit RGBA frames; the first frame is the default image (what a non-animating viewer shows). */
export function apng(width: number, height: number, frames: ArrayLike<number>[]): Buffer {
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(frames.length, 0);
  actl.writeUInt32BE(0, 4); // loop forever
  let seq = 0;
  const fctl = (): Buffer => {
    const f = Buffer.alloc(26);
    f.writeUInt32BE(seq++, 0);
    f.writeUInt32BE(width, 4);
    f.writeUInt32BE(height, 8);
    f.writeUInt16BE(1, 20); // delay 1/10 s
    f.writeUInt16BE(10, 22);
    return f;
  };
  const parts = [SIGNATURE, chunk('IHDR', ihdr(width, height, 8, 6)), chunk('acTL', actl), chunk('fcTL', fctl()), chunk('IDAT', imageData(width, height, 8, 6, frames[0]))];
  for (const frame of frames.slice(1)) {
    parts.push(chunk('fcTL', fctl()));
    const s = Buffer.alloc(4);
    s.writeUInt32BE(seq++);
    parts.push(chunk('fdAT', Buffer.concat([s, imageData(width, height, 8, 6, frame)])));
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
