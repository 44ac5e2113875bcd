/**
 * `v` is a plain object: `{…}` or JSON's, not an array, a class instance (a `vscode.Uri`, a Date, a
 * Map) nor an object with another prototype. Browser-safe.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
