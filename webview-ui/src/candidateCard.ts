/** One candidate in the panel's grid: its render (or why there is none), origin, score and parts, and a button to open its program. */
import type { CandidateView, WebviewMessage } from '../../src/shared/protocol';
import { el, fmtScore, setAttr, setImg, setText } from './dom';

export class CandidateCard {
  readonly root: HTMLElement;
  private readonly img = el('img', { alt: '' });
  private readonly placeholder = el('div', { class: 'placeholder' });
  private readonly name = el('span', { class: 'cid' });
  private readonly origin = el('span', { class: 'origin' });
  private readonly score = el('span', { class: 'score' });
  private readonly parts = el('div', { class: 'parts' });
  private readonly error = el('div', { class: 'cerror' });
  private readonly open: HTMLButtonElement;

  constructor(id: string, post: (msg: WebviewMessage) => void) {
    this.open = el('button', { type: 'button', class: 'link', title: 'Open this candidate’s program' }, 'Open program');
    this.open.addEventListener('click', () => post({ type: 'open-program', candidateId: id }));
    this.root = el(
      'article',
      { class: 'candidate', 'data-testid': 'candidate', 'data-id': id },
      el('div', { class: 'thumb' }, this.img, this.placeholder),
      el('div', { class: 'meta' }, this.name, this.origin, this.score),
      this.parts,
      this.error,
      this.open,
    );
    this.img.alt = `Render of candidate ${id}`;
  }

  update(c: CandidateView, isBest: boolean): void {
    setAttr(this.root, 'data-state', c.state);
    setAttr(this.root, 'data-score', c.state === 'scored' && c.score ? c.score.score.toFixed(4) : undefined);
    setAttr(this.root, 'data-best', isBest ? 'true' : undefined);
    this.root.classList.toggle('best', isBest);
    setText(this.name, c.id);
    setText(this.origin, c.source === 'given' ? 'the given program' : c.source === 'reader' ? 'round 0 · the chart reader' : `round ${c.round} · ${c.source}${c.parentId ? ` of ${c.parentId}` : ''}`);
    setText(this.score, c.score ? fmtScore(c.score.score) : c.state);
    setText(
      this.parts,
      c.score
        ? Object.entries(c.score.parts)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(' · ')
        : c.renderMs !== undefined
          ? `${Math.round(c.renderMs)} ms`
          : '',
    );
    setImg(this.img, c.renderSrc);
    this.img.hidden = !c.renderSrc;
    this.placeholder.hidden = !!c.renderSrc;
    setText(this.placeholder, c.state === 'failed' ? 'no render' : c.state === 'generating' ? 'writing the program…' : c.state === 'rendering' ? 'rendering…' : '');
    setText(this.error, c.error ?? '');
    this.error.hidden = !c.error;
    this.open.hidden = !c.code;
  }
}
