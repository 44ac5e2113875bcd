/** Small things the chart reader's stages share: a text with its role, box centres, median, rounding. */
import type { Box, TextRole } from './types';
import type { TextBox } from './text';

export interface Txt extends TextBox { role: TextRole; num?: number }

export const cx = (b: Box) => b.x + b.w / 2;
export const cy = (b: Box) => b.y + b.h / 2;
export const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
export const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
