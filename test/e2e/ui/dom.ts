/**
 * The little of the DOM that the page-side callbacks (page.evaluate) use. The project's tsconfig has
 * no DOM lib (src/core must never see `document`), so these are declared here, module-scoped.
 */
export interface El {
  tagName: string;
  textContent: string | null;
  className: string;
  classList: { contains(c: string): boolean };
  dataset: Record<string, string | undefined>;
  style: { display: string; top: string };
  offsetParent: El | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El> & ArrayLike<El>;
  blur(): void;
  /** <img> */
  complete?: boolean;
  naturalWidth?: number;
  /** <input> */
  placeholder?: string;
}

export interface Doc {
  activeElement: El | null;
  body: El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El> & ArrayLike<El>;
}
