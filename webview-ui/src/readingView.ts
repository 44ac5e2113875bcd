/**
 * The panel's reading section: what the built-in chart reader read — the overlay (what was read,
 * drawn over the original), the data table, the chart type, confidence and warnings, buttons to
 * export the reading — or the one sentence saying why it could not read the image; and the note of
 * a run with no model (questions need one). Text goes in as text, images only as checked data: URLs.
 */
import type { PanelState, ReadingView, WebviewMessage } from '../../src/shared/protocol';

import { el } from './dom';

/** Rows drawn at most (the export has them all). */
const MAX_ROWS_SHOWN = 200;

export class ReadingSection {
  readonly root = el('section', { class: 'reading', 'data-testid': 'reading' });
  private readonly note = el('div', { class: 'model-note', 'data-testid': 'model-note', role: 'note' });
  private readonly failed = el('div', { class: 'reading-failed', 'data-testid': 'reading-failed' });
  private readonly body = el('div', { class: 'reading-body' });
  private readonly summary = el('div', { class: 'reading-summary', 'data-testid': 'reading-summary' });
  private readonly warnings = el('ul', { class: 'reading-warnings' });
  private readonly overlay = el('img', { 'data-testid': 'overlay', alt: 'What the chart reader read, drawn over the original' });
  private readonly overlayFigure = el('figure', { class: 'overlay-figure' }, this.overlay, el('figcaption', {}, 'Read · plot area, axis ticks, marks and their values'));
  private readonly table = el('table', { class: 'reading-table', 'data-testid': 'reading-table' });
  private readonly more = el('div', { class: 'reading-more' });
  private shown: ReadingView | undefined;

  constructor(post: (m: WebviewMessage) => void) {
    const exportButton = (format: 'csv' | 'json', label: string, title: string) => {
      const b = el('button', { type: 'button', 'data-testid': `export-reading-${format}`, title }, label);
      b.addEventListener('click', () => post({ type: 'export-reading', format }));
      return b;
    };
    const actions = el(
      'div',
      { class: 'reading-actions' },
      exportButton('csv', 'Export table (CSV)', 'Open the data table the chart reader read as CSV'),
      exportButton('json', 'Export reading (JSON)', 'Open the whole reading (chart type, axes, series, texts) as JSON'),
    );
    const tableBox = el('div', { class: 'reading-table-box' }, this.table, this.more);
    this.body.append(this.summary, this.warnings, el('div', { class: 'reading-grid' }, this.overlayFigure, tableBox), actions);
    this.root.append(el('h2', {}, 'Reading'), this.note, this.failed, this.body);
  }

  render(s: PanelState): void {
    this.note.textContent = s.modelNote ?? '';
    this.note.hidden = !s.modelNote;
    // a run that failed because the image could not be read says so once, in its error
    const failedLine = s.readingError && !(s.status === 'failed' && s.error?.includes(s.readingError)) ? s.readingError : undefined;
    this.failed.textContent = failedLine ? `The chart reader could not read this image: ${failedLine}` : '';
    this.failed.hidden = !failedLine;
    const r = s.reading;
    this.body.hidden = !r;
    this.root.hidden = !r && !failedLine && !s.modelNote;
    if (!r || r === this.shown) return;
    this.shown = r;
    this.summary.textContent = `${r.chartType}${r.title ? ` · “${r.title}”` : ''} · confidence ${r.confidence.toFixed(2)}`;
    this.warnings.replaceChildren(...r.warnings.map((w) => el('li', {}, w)));
    this.warnings.hidden = r.warnings.length === 0;
    if (r.overlaySrc && /^data:image\/png;base64,/.test(r.overlaySrc)) this.overlay.setAttribute('src', r.overlaySrc);
    else this.overlay.removeAttribute('src');
    this.overlayFigure.hidden = !r.overlaySrc;
    const head = el('thead', {}, el('tr', {}, ...r.table.columns.map((c) => el('th', { scope: 'col' }, c))));
    const rows = r.table.rows.slice(0, MAX_ROWS_SHOWN).map((row) => el('tr', {}, ...row.map((v, i) => el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : {}, v))));
    this.table.replaceChildren(head, el('tbody', {}, ...rows));
    this.more.textContent = r.table.rows.length > MAX_ROWS_SHOWN ? `… and ${r.table.rows.length - MAX_ROWS_SHOWN} more rows (export the table to see them all)` : '';
  }
}
