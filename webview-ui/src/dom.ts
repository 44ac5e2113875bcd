/**
 * The panel's DOM helpers: elements built from tag, attributes and children, and setters that touch
 * the page only when a value changed. Text goes in as text; only data: image URLs become an image.
 */
export type Attrs = Record<string, string | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

export function setAttr(e: Element, name: string, value: string | undefined): void {
  if (value === undefined) {
    if (e.hasAttribute(name)) e.removeAttribute(name);
  } else if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

/** Only data: image URLs (checked by the protocol) ever become an image source. */
export function setImg(img: HTMLImageElement, src: string | undefined): void {
  if (src === undefined) {
    if (img.hasAttribute('src')) img.removeAttribute('src');
    return;
  }
  if (!/^data:image\/(png|jpeg|webp);base64,/.test(src)) return;
  if (img.getAttribute('src') !== src) img.setAttribute('src', src);
}

export function fmtScore(x: number): string {
  return x.toFixed(3);
}

export function button(testid: string, label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', 'data-testid': testid, title }, label);
  b.addEventListener('click', onClick);
  return b;
}
