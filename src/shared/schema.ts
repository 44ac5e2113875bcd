/**
 * The building blocks of the protocol's schemas (zod), each failing with a message a person can act
 * on ("state.candidates[3].id has characters that are not allowed"), and `parseWith`, which turns a
 * failed parse into that one line. Objects are strict (an unknown or forbidden key is refused) and
 * must be plain (no class instances, no inherited fields). Browser-safe.
 */
import * as z from 'zod/mini';
import { isPlainObject } from './plainObject';

export const LIMITS = {
  /** ids of candidates, runs and render jobs */
  idChars: 64,
  /** base64 PNG (a 4k×4k render is well under this) */
  pngChars: 48 * 1024 * 1024,
  /** a data: URL of the original */
  imageSrcChars: 90 * 1024 * 1024,
  /** a program */
  codeChars: 512 * 1024,
  /** stdout / traceback of a render */
  outputChars: 256 * 1024,
  /** one-line messages, errors, answers */
  textChars: 16 * 1024,
  candidates: 500,
  rounds: 100,
  logLines: 200,
  scoreParts: 24,
  packages: 64,
  urlChars: 4096,
  /** the reading's data table */
  tableRows: 20_000,
  tableColumns: 200,
  cellChars: 1024,
  warnings: 100,
} as const;

const ID_RE = /^[A-Za-z0-9_.:-]+$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_IMAGE_RE = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]*={0,2}$/;
/** Keys an object must never carry (prototype pollution). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const tooLong = (max: number) => (iss: { input?: unknown }) => `is too long (${typeof iss.input === 'string' ? iss.input.length : '?'} > ${max} characters)`;

export const str = (max: number, re?: RegExp) =>
  re
    ? z.string({ error: 'must be a string' }).check(z.maxLength(max, { error: tooLong(max) }), z.regex(re, { error: 'has characters that are not allowed' }))
    : z.string({ error: 'must be a string' }).check(z.maxLength(max, { error: tooLong(max) }));
export const id = z
  .string({ error: 'must be a string' })
  .check(z.minLength(1, { error: 'is empty' }), z.maxLength(LIMITS.idChars, { error: tooLong(LIMITS.idChars) }), z.regex(ID_RE, { error: 'has characters that are not allowed' }));
export const b64 = (max: number) => str(max, B64_RE);
export const bool = z.boolean({ error: 'must be true or false' });
export const num = (min: number, max: number, integer = false) => {
  const range = [z.minimum(min, { error: `must be within [${min}, ${max}]` }), z.maximum(max, { error: `must be within [${min}, ${max}]` })];
  return integer
    ? z.number({ error: 'must be a finite number' }).check(z.refine((v: number) => Number.isInteger(v), { error: 'must be an integer' }), ...range)
    : z.number({ error: 'must be a finite number' }).check(...range);
};
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join('|')}` });
export const arr = <T extends z.ZodMiniType>(item: T, max: number) =>
  z.array(item, { error: 'must be an array' }).check(z.maxLength(max, { error: (iss) => `has too many items (${Array.isArray(iss.input) ? iss.input.length : '?'} > ${max})` }));

/** A plain object with exactly these keys (optional ones may be missing); unknown keys are refused. */
export const obj = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.pipe(
    z.custom<Record<string, unknown>>(isPlainObject, { error: 'must be an object' }),
    z.strictObject(shape, {
      error: (iss) => {
        if (iss.code !== 'unrecognized_keys') return 'must be an object';
        const k = iss.keys.find((key) => FORBIDDEN_KEYS.has(key)) ?? iss.keys[0] ?? '';
        return FORBIDDEN_KEYS.has(k) ? `has a forbidden key "${k}"` : `has an unknown field "${k.slice(0, 40)}"`;
      },
    }),
  );

/** Why `v` is not a small record of finite numbers (score parts), or undefined. */
function numRecordProblem(v: unknown): string | undefined {
  if (!isPlainObject(v)) return 'must be an object';
  const keys = Object.keys(v);
  if (keys.length > LIMITS.scoreParts) return 'has too many parts';
  for (const k of keys) {
    if (FORBIDDEN_KEYS.has(k) || !/^[A-Za-z0-9_.-]{1,32}$/.test(k)) return `has a bad key "${k.slice(0, 40)}"`;
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) return `.${k} must be a finite number`;
    if (x < -1e9 || x > 1e9) return `.${k} must be within [-1000000000, 1000000000]`;
  }
  return undefined;
}
export const numRecord = z.custom<Record<string, number>>((v) => numRecordProblem(v) === undefined, { error: (iss) => numRecordProblem(iss.input) ?? 'is not valid' });

export const dataImage = (max: number) =>
  z.string({ error: 'must be a string' }).check(z.maxLength(max, { error: 'is too large' }), z.regex(DATA_IMAGE_RE, { error: 'must be a data:image/(png|jpeg|webp);base64 URL' }));
/** A URL the page may load from: https only (webview resource URIs), or http on 127.0.0.1 (tests). */
export const resourceUrl = z
  .string({ error: 'must be a string' })
  .check(z.maxLength(LIMITS.urlChars, { error: tooLong(LIMITS.urlChars) }), z.regex(/^(https:\/\/|http:\/\/127\.0\.0\.1(:\d+)?\/)[^\s"'<>\\]*$/, { error: 'must be an https resource URL' }));
export const text = str(LIMITS.textChars);
export const code = str(LIMITS.codeChars);
export const output = str(LIMITS.outputChars);
export const score01 = num(0, 1);

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

/** `path` as the messages write it: `state.candidates[3].id`. */
function pathText(prefix: string, path: readonly PropertyKey[]): string {
  let p = prefix;
  for (const k of path) p += typeof k === 'number' ? `[${k}]` : `.${String(k)}`;
  return p;
}

/** Parses `raw` with `schema`; a failure is one line: where (from `prefix`) and what is wrong. */
export function parseWith<T>(schema: z.ZodMiniType<T>, raw: unknown, prefix: string): Parsed<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, message: r.data };
  // an unknown or forbidden key first, as the shape is judged before the fields
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
  const where = pathText(prefix, issue?.path ?? []);
  const what = issue?.message ?? 'is not valid';
  return { ok: false, error: what.startsWith('.') ? `${where}${what}` : `${where} ${what}` };
}
