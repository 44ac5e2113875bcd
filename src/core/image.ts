/**
 * Images in and out of the loop: decode what the user gives (PNG, JPEG), refuse what we cannot
 * handle with a clear reason, and the few raster operations the critic needs (flatten, resize, grey).
 */
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import type { RgbaImage } from './types';
import { pngSize } from './png';

/** Images above this many pixels are refused (a 20000×20000 PNG would need 1.6 GB decoded). */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Files above this many bytes are refused before decoding. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'svg' | 'unknown';

export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && ascii(bytes, 0, 4) === 'GIF8') return 'gif';
  const head = ascii(bytes, 0, Math.min(bytes.length, 256)).trimStart().toLowerCase();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  return 'unknown';
}

function ascii(b: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Width and height from the header, without decoding the pixels. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const fmt = sniffFormat(bytes);
  if (fmt === 'png') return pngSize(bytes);
  if (fmt === 'jpeg') {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return undefined;
      const marker = bytes[i + 1];
      const len = (bytes[i + 2] << 8) | bytes[i + 3];
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8] };
      }
      i += 2 + len;
    }
  }
  return undefined;
}

/** EXIF orientation (1–8) of a JPEG, 1 when absent. */
export function jpegOrientation(bytes: Uint8Array): number {
  let i = 2;
  while (i + 4 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1];
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker === 0xe1 && ascii(bytes, i + 4, 4) === 'Exif') {
      const t = i + 10; // TIFF header
      const little = ascii(bytes, t, 2) === 'II';
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const u16 = (o: number) => dv.getUint16(o, little);
      const u32 = (o: number) => dv.getUint32(o, little);
      if (t + 8 > bytes.length) return 1;
      const ifd = t + u32(t + 4);
      if (ifd + 2 > bytes.length) return 1;
      const n = u16(ifd);
      for (let k = 0; k < n; k++) {
        const e = ifd + 2 + k * 12;
        if (e + 12 > bytes.length) return 1;
        if (u16(e) === 0x0112) {
          const v = u16(e + 8);
          return v >= 1 && v <= 8 ? v : 1;
        }
      }
      return 1;
    }
    if (marker === 0xda) break; // start of scan: no more metadata
    i += 2 + len;
  }
  return 1;
}

/**
 * Decodes PNG or JPEG bytes into RGBA. Refuses, with a one-line reason: empty, truncated or corrupt
 * files, files that are not images, unsupported formats, and images too large to handle.
 */
export function decodeImage(bytes: Uint8Array, name = 'the image'): RgbaImage {
  if (bytes.length === 0) throw new ImageError(`${name} is empty (0 bytes).`);
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new ImageError(`${name} is ${(bytes.length / 1048576).toFixed(0)} MB; RECODE handles images up to ${MAX_IMAGE_BYTES / 1048576} MB.`);
  }
  const fmt = sniffFormat(bytes);
  if (fmt === 'svg') throw new ImageError(`${name} is an SVG; RECODE derenders raster images (PNG, JPEG) — export it as PNG first.`);
  if (fmt === 'webp') throw new ImageError(`${name} is a WebP image, which RECODE cannot decode yet — convert it to PNG first.`);
  if (fmt === 'gif') throw new ImageError(`${name} is a GIF, which RECODE cannot decode — convert it to PNG first.`);
  if (fmt === 'unknown') throw new ImageError(`${name} is not a PNG or JPEG image (its first bytes match no image format).`);
  if (fmt === 'png') {
    const fake = notPngData(bytes);
    if (fake) throw new ImageError(`${name} is not an image (${fake}).`);
  }
  const size = imageSize(bytes);
  if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
    throw new ImageError(
      `${name} is ${size.width}×${size.height} pixels; RECODE handles images up to ${(MAX_IMAGE_PIXELS / 1e6).toFixed(0)} megapixels — scale it down first.`,
    );
  }
  if (size && (size.width === 0 || size.height === 0)) throw new ImageError(`${name} has no pixels (${size.width}×${size.height}).`);
  try {
    if (fmt === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      // pngjs gives 8-bit RGBA for every colour type and bit depth (16-bit is scaled down).
      return flattenAlpha({ width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) });
    }
    const raw = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    const img: RgbaImage = { width: raw.width, height: raw.height, data: raw.data };
    return orient(img, jpegOrientation(bytes));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (/have should not go down|invalid distance|too far back/i.test(why) && fmt === 'png' && size) {
      // pngjs inflates at most width × height's worth of data and trips an assertion past it
      throw new ImageError(
        `${name} was refused: its compressed pixel data unpacks to more than a ${size.width}×${size.height} image holds (a decompression bomb, or a corrupt file).`,
      );
    }
    throw new ImageError(`${name} could not be decoded as ${fmt.toUpperCase()} (${why}); the file may be truncated or corrupt.`);
  }
}

/**
 * Why bytes that start with the PNG signature are not PNG data, or undefined when they could be:
 * the signature must be whole and followed by the IHDR chunk (13 bytes). A web page saved under a
 * .png name behind a forged signature is named as such.
 */
function notPngData(bytes: Uint8Array): string | undefined {
  const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const sigOk = bytes.length >= 8 && SIG.every((b, i) => bytes[i] === b);
  const ihdrOk = sigOk && bytes.length >= 33 && ascii(bytes, 12, 4) === 'IHDR' && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8) === 13;
  if (ihdrOk) return undefined;
  const rest = ascii(bytes, 4, Math.min(bytes.length - 4, 512));
  const printable = rest.length > 0 && [...rest].filter((c) => /[\t\n\r\x20-\x7e]/.test(c)).length / rest.length > 0.9;
  const what = /<(!doctype html|html|head|body)\b/i.test(rest) ? 'an HTML page' : printable ? 'text' : 'no PNG header';
  return `it starts like a PNG, but what follows is ${what}`;
}

/** Composites transparent pixels over white, as a viewer would show them. */
export function flattenAlpha(img: RgbaImage): RgbaImage {
  const d = img.data;
  let opaque = true;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) { opaque = false; break; }
  if (opaque) return img;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3] / 255;
    out[i] = Math.round(d[i] * a + 255 * (1 - a));
    out[i + 1] = Math.round(d[i + 1] * a + 255 * (1 - a));
    out[i + 2] = Math.round(d[i + 2] * a + 255 * (1 - a));
    out[i + 3] = 255;
  }
  return { width: img.width, height: img.height, data: out };
}

/** Applies an EXIF orientation so the pixels stand as the viewer shows them. */
export function orient(img: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let X: number, Y: number;
      switch (orientation) {
        case 2: X = w - 1 - x; Y = y; break;
        case 3: X = w - 1 - x; Y = h - 1 - y; break;
        case 4: X = x; Y = h - 1 - y; break;
        case 5: X = y; Y = x; break;
        case 6: X = h - 1 - y; Y = x; break;
        case 7: X = h - 1 - y; Y = w - 1 - x; break;
        default: X = y; Y = w - 1 - x; break; // 8
      }
      const s = (y * w + x) * 4;
      const t = (Y * W + X) * 4;
      out[t] = data[s]; out[t + 1] = data[s + 1]; out[t + 2] = data[s + 2]; out[t + 3] = data[s + 3];
    }
  }
  return { width: W, height: H, data: out };
}

export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).copy(png.data);
  return new Uint8Array(PNG.sync.write(png));
}

export function toDataUrl(bytes: Uint8Array): string {
  const fmt = sniffFormat(bytes);
  const mime = fmt === 'jpeg' ? 'image/jpeg' : fmt === 'webp' ? 'image/webp' : 'image/png';
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** Area-averaging resize (box filter when shrinking, bilinear when growing). */
export function resize(img: RgbaImage, width: number, height: number): RgbaImage {
  if (img.width === width && img.height === height) return img;
  const out = new Uint8Array(width * height * 4);
  const sx = img.width / width;
  const sy = img.height / height;
  const src = img.data;
  if (sx >= 1 && sy >= 1) {
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor(y * sy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor(x * sx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
        let r = 0, g = 0, b = 0, a = 0, n = 0;
        for (let yy = y0; yy < y1; yy++) {
          let p = (yy * img.width + x0) * 4;
          for (let xx = x0; xx < x1; xx++, p += 4) { r += src[p]; g += src[p + 1]; b += src[p + 2]; a += src[p + 3]; n++; }
        }
        const o = (y * width + x) * 4;
        out[o] = r / n; out[o + 1] = g / n; out[o + 2] = b / n; out[o + 3] = a / n;
      }
    }
    return { width, height, data: out };
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(img.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(img.height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(img.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(img.width - 1, x0 + 1), wx = fx - x0;
      const o = (y * width + x) * 4;
      for (let c = 0; c < 4; c++) {
        const a = src[(y0 * img.width + x0) * 4 + c], b = src[(y0 * img.width + x1) * 4 + c];
        const d = src[(y1 * img.width + x0) * 4 + c], e = src[(y1 * img.width + x1) * 4 + c];
        out[o + c] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return { width, height, data: out };
}

/** Luma in [0,255] as floats. */
export function toGray(img: RgbaImage): Float32Array {
  const g = new Float32Array(img.width * img.height);
  const d = img.data;
  for (let i = 0, p = 0; i < g.length; i++, p += 4) g[i] = 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
  return g;
}

/** The size a pair is compared at: the original's aspect, at most `maxSide` on the longer side. */
export function workingSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(8, Math.round(width * s)), height: Math.max(8, Math.round(height * s)) };
}
