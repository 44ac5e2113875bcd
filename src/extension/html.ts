/**
 * The panel's HTML and its Content-Security-Policy. Pure (no `vscode`): the webview test serves the
 * very same page from a local server.
 *
 * CSP: nothing by default; scripts only with the nonce, and blob: modules — the Pyodide worker and
 * Pyodide's own modules, which the page fetches from the extension and hands to the worker as blob
 * URLs (a webview's service worker serves the page, not its workers); 'wasm-unsafe-eval' for
 * Pyodide; images from the resource origin, data: and blob:; workers from blob:; fetch only from the
 * resource origin (the extension's and its storage's files). No network.
 */

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin webview resources come from. */
  cspSource: string;
  nonce: string;
  /** dist/webview/main.js as a webview URI */
  scriptUri: string;
  /** dist/webview/styles.css as a webview URI */
  styleUri: string;
  title: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval' blob:`,
    `worker-src blob: ${cspSource}`,
    `connect-src ${cspSource}`,
    `form-action 'none'`,
    `base-uri 'none'`,
  ].join('; ');
}

/** 32 URL-safe random characters. */
export function makeNonce(random: (n: number) => Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(random(32), (b) => abc[b % abc.length]).join('');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function panelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(o.styleUri)}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app" aria-live="polite"><p class="loading">Loading RECODE…</p></div>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
