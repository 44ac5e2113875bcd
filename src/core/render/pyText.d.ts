/** A Python source imported as text (esbuild's text loader; scripts/py-text.mjs for the tsc build). */
declare module '*.py' {
  const text: string;
  export default text;
}
