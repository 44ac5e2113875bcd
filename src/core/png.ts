/**
 * PNG facts read from the bytes, without decoding the pixels: the size in the IHDR chunk, and the
 * CRC-32 each chunk ends with. Browser-safe (the panel checks its worker's renders with them).
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk, or undefined when `b` does not start like a PNG. */
export function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 33) return undefined;
  for (let i = 0; i < 8; i++) if (b[i] !== PNG_SIGNATURE[i]) return undefined;
  // first chunk: length 13, type IHDR
  if (b[8] !== 0 || b[9] !== 0 || b[10] !== 0 || b[11] !== 13) return undefined;
  if (b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return undefined;
  const u32 = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  return { width: u32(16), height: u32(20) };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32 of `b[from..to)` (a chunk's type and data), as PNG computes it. */
export function crc32(b: Uint8Array, from = 0, to = b.length): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
