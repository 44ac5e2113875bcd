/**
 * The RECODE panel: the original next to the candidates' renders and scores, the diff heat-map of
 * the best, the rounds, the question and its computed answer; buttons for what the user can do.
 * It also hosts the Pyodide Web Worker that renders programs for the extension host.
 *
 * The view is a function of a PanelState folded from the host's messages (src/shared/panelState).
 * Everything from outside is checked (parseHostMessage / parsePanelState) and put in the page as
 * text or as data: image URLs, never as HTML.
 */
import {
  bytesToBase64,
  parseHostMessage,
  parsePanelState,
  type HostMessage,
  type PanelState,
  type WebviewMessage,
} from '../../src/shared/protocol';
import { programOf, reducePanel } from '../../src/shared/panelState';
import { describeRiskyLines, riskyLines } from '../../src/shared/riskyCalls';
import { PyodideWorkerHost, type WorkerStatus } from './workerHost';
import { errorText } from '../../src/core/text';
import { ReadingSection } from './readingView';
import { button, el, fmtScore, setImg, setText } from './dom';
import { CandidateCard } from './candidateCard';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

function post(msg: WebviewMessage): void {
  vscode.postMessage(msg);
}


// ---------------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------------

class PanelView {
  private readonly root: HTMLElement;
  private readonly title = el('h1', { class: 'title' });
  private readonly status = el('span', { class: 'status', 'data-testid': 'run-status', role: 'status' });
  private readonly stage = el('span', { class: 'stage' });
  private readonly buttons: Record<string, HTMLButtonElement>;
  private readonly rendererBar = el('div', { class: 'renderer-bar' });
  private readonly rendererText = el('span', { class: 'renderer-text' });
  private readonly prepareSlot = el('span', { class: 'prepare-slot' });
  private readonly errorSlot = el('div', { class: 'error-slot' });
  private readonly riskNote = el('div', { class: 'risk', 'data-testid': 'risky-calls', role: 'note', hidden: '' });
  private riskOf: string | undefined;
  private readonly qa = el('section', { class: 'qa' });
  private readonly originalImg = el('img', { 'data-testid': 'original', alt: 'The original image' });
  private readonly originalCaption = el('figcaption');
  private readonly bestImg = el('img', { class: 'best-render', alt: 'The best render' });
  private readonly bestCaption = el('figcaption');
  private readonly bestFigure = el('figure', { class: 'best-figure' }, this.bestImg, this.bestCaption);
  private readonly diffFigure = el('figure', { class: 'diff-figure' });
  private readonly rounds = el('ol', { class: 'rounds-list' });
  private readonly candidates = el('div', { class: 'candidate-grid' });
  private readonly candidateCount = el('span', { class: 'count' });
  private readonly logSummary = el('summary');
  private readonly logPre = el('pre', { class: 'log-lines' });
  private readonly cards = new Map<string, CandidateCard>();
  private readonly reading = new ReadingSection(post);

  constructor(root: HTMLElement) {
    this.root = root;
    this.buttons = {
      cancel: button('cancel', 'Cancel', 'Stop this run', () => post({ type: 'cancel' })),
      'open-program': button('open-program', 'Open program', 'Open the winning program in an editor', () => post({ type: 'open-program' })),
      'copy-program': button('copy-program', 'Copy', 'Copy the winning program to the clipboard', () => post({ type: 'copy-program' })),
      'export-csv': button('export-csv', 'Export CSV', 'Export the data of the winning program as CSV', () => post({ type: 'export-data', format: 'csv' })),
      'export-json': button('export-json', 'Export JSON', 'Export the data of the winning program as JSON', () => post({ type: 'export-data', format: 'json' })),
      rerun: button('rerun', 'Re-run…', 'Run again, with other settings', () => post({ type: 'rerun' })),
      'save-record': button('save-record', 'Save record', 'Save the run record (JSON)', () => post({ type: 'save-record' })),
    };
    this.buttons.cancel.classList.add('danger');
    this.buttons['open-program'].classList.add('primary');
    this.rendererBar.append(this.rendererText, this.prepareSlot);

    const header = el(
      'header',
      { class: 'bar' },
      this.title,
      this.status,
      this.stage,
      el('div', { class: 'actions' }, ...Object.values(this.buttons)),
    );
    const figures = el(
      'section',
      { class: 'figures' },
      el('figure', { class: 'original-figure' }, this.originalImg, this.originalCaption),
      this.bestFigure,
      this.diffFigure,
    );
    const roundsSection = el('section', { class: 'rounds', 'data-testid': 'rounds' }, el('h2', {}, 'Rounds'), this.rounds);
    const candSection = el('section', { class: 'candidates' }, el('h2', {}, 'Candidates ', this.candidateCount), this.candidates);
    const log = el('details', { class: 'log' }, this.logSummary, this.logPre);
    this.root.replaceChildren(header, this.rendererBar, this.errorSlot, this.riskNote, this.qa, this.reading.root, figures, roundsSection, candSection, log);
  }

  render(s: PanelState): void {
    setText(this.title, `RECODE: ${s.imageName}`);
    document.title = `RECODE: ${s.imageName}`;
    setText(this.status, s.status);
    this.status.className = `status status-${s.status}`;
    setText(this.stage, s.status === 'running' && s.stage ? s.stage.message : summaryLine(s));

    const running = s.status === 'running';
    const hasProgram = programAvailable(s);
    this.buttons.cancel.disabled = !running;
    this.buttons['open-program'].disabled = !hasProgram;
    this.buttons['copy-program'].disabled = !hasProgram;
    this.buttons['export-csv'].disabled = !hasProgram || running;
    this.buttons['export-json'].disabled = !hasProgram || running;
    this.buttons.rerun.disabled = running;
    this.buttons['save-record'].disabled = running || s.runId === undefined;

    this.renderRenderer(s);
    this.renderError(s);
    this.renderRisk(s);
    this.renderQa(s);
    this.reading.render(s);

    setImg(this.originalImg, s.imageSrc);
    setText(this.originalCaption, s.imageSize ? `Original · ${s.imageSize.width}×${s.imageSize.height}` : 'Original');
    const best = s.bestId ? s.candidates.find((c) => c.id === s.bestId) : undefined;
    this.bestFigure.hidden = !best?.renderSrc;
    setImg(this.bestImg, best?.renderSrc);
    setText(this.bestCaption, best ? `Best · ${best.id}${best.score ? ` · ${fmtScore(best.score.score)}` : ''}` : '');
    this.renderDiff(s);
    this.renderRounds(s);
    this.renderCandidates(s);

    setText(this.logSummary, `Log (${s.log.length})`);
    setText(this.logPre, s.log.map((l) => `${l.level === 'info' ? '' : l.level.toUpperCase() + ': '}${l.message}`).join('\n'));
  }

  private renderRenderer(s: PanelState): void {
    const r = s.renderer;
    setText(this.rendererText, `Renderer: ${rendererLabel(r.name)}${r.detail ? ` — ${r.detail}` : ''}`);
    const missing = r.pyodidePackages !== 'ready';
    let slot = this.prepareSlot.firstElementChild as HTMLElement | null;
    if (missing && !slot) {
      slot = el(
        'span',
        { class: 'prepare' },
        el('span', { class: 'prepare-note' }),
        button('prepare-renderer', 'Prepare renderer', 'Download and verify the Pyodide packages (numpy, matplotlib) once, or import them from a folder', () =>
          post({ type: 'prepare-renderer' }),
        ),
      );
      this.prepareSlot.append(slot);
    } else if (!missing && slot) {
      slot.remove();
      slot = null;
    }
    if (slot) {
      const note = slot.querySelector('.prepare-note') as HTMLElement;
      setText(
        note,
        r.note ??
          (r.pyodidePackages === 'preparing'
            ? 'Preparing the Pyodide packages…'
            : r.name === 'python'
              ? 'Rendering with local Python. For the sandboxed Pyodide renderer instead, its matplotlib and numpy packages are fetched once and checked against their sha256 (or imported from a folder).'
              : 'Pyodide in this panel needs matplotlib and numpy, fetched once and checked against their sha256 (or imported from a folder).'),
      );
      (slot.querySelector('button') as HTMLButtonElement).disabled = r.pyodidePackages === 'preparing';
    }
  }

  private renderError(s: PanelState): void {
    const existing = this.errorSlot.firstElementChild as HTMLElement | null;
    if (!s.error) {
      existing?.remove();
      return;
    }
    if (existing) setText(existing, s.error);
    else this.errorSlot.append(el('div', { class: 'error', 'data-testid': 'error', role: 'alert' }, s.error));
  }

  /** The winning program's lines that reach files, processes, the network or dynamic code (src/shared/riskyCalls). */
  private renderRisk(s: PanelState): void {
    const program = programOf(s);
    if (program === this.riskOf) return;
    this.riskOf = program;
    const risky = program ? riskyLines(program) : [];
    this.riskNote.hidden = risky.length === 0;
    setText(this.riskNote, risky.length === 0 ? '' : `This program was written by a model from an image. Review before you run it yourself — it uses files, processes, the network or dynamic code: ${describeRiskyLines(risky)}.`);
  }

  private renderQa(s: PanelState): void {
    this.qa.replaceChildren();
    if (s.question) {
      this.qa.append(el('div', { class: 'question-row' }, el('span', { class: 'label' }, 'Question'), el('div', { class: 'question', 'data-testid': 'question' }, s.question)));
    }
    if (s.answer) {
      const a = s.answer;
      const provenance = a.computed
        ? `computed by running code over the program of ${a.programCandidateId} (score ${fmtScore(a.score)})`
        : `stated by the model, not computed (program ${a.programCandidateId}, score ${fmtScore(a.score)})`;
      const details = el('details', { class: 'computation' }, el('summary', {}, 'How it was computed'), el('pre', {}, a.computation || '(no computation)'));
      const row = el(
        'div',
        { class: 'answer-row' },
        el('span', { class: 'label' }, 'Answer'),
        el('div', { class: 'answer', 'data-testid': 'answer' }, a.value),
        el('div', { class: 'provenance' }, provenance),
      );
      if (a.explanation) row.append(el('div', { class: 'explanation' }, a.explanation));
      row.append(details);
      this.qa.append(row);
    }
    this.qa.hidden = !s.question && !s.answer;
  }

  private renderDiff(s: PanelState): void {
    let img = this.diffFigure.querySelector('img');
    if (!s.diffSrc) {
      this.diffFigure.replaceChildren();
      this.diffFigure.hidden = true;
      return;
    }
    this.diffFigure.hidden = false;
    if (!img) {
      img = el('img', { 'data-testid': 'diff', alt: 'Difference between the best render and the original (heat-map)' });
      this.diffFigure.replaceChildren(img, el('figcaption', {}, 'Difference · best vs original'));
    }
    setImg(img, s.diffSrc);
  }

  private renderRounds(s: PanelState): void {
    const items = s.rounds.map((r) =>
      el(
        'li',
        { class: r.improved ? 'improved' : 'kept', 'data-round': String(r.round), 'data-score': r.bestScore.toFixed(4) },
        `${r.round === 0 ? 'First round' : `Refinement ${r.round}`}: best ${r.bestCandidateId} · ${fmtScore(r.bestScore)}${r.round > 0 ? (r.improved ? ' ↑ improved' : ' · no improvement') : ''}`,
      ),
    );
    if (items.length === 0) items.push(el('li', { class: 'empty' }, s.status === 'running' ? 'No round finished yet.' : 'No rounds.'));
    this.rounds.replaceChildren(...items);
  }

  private renderCandidates(s: PanelState): void {
    setText(this.candidateCount, `(${s.candidates.length})`);
    const seen = new Set<string>();
    for (const c of s.candidates) {
      seen.add(c.id);
      let card = this.cards.get(c.id);
      if (!card) {
        card = new CandidateCard(c.id, post);
        this.cards.set(c.id, card);
        this.candidates.append(card.root);
      }
      card.update(c, c.id === s.bestId);
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.root.remove();
        this.cards.delete(id);
      }
    }
  }
}

function programAvailable(s: PanelState): boolean {
  if (s.program) return true;
  const best = s.bestId ? s.candidates.find((c) => c.id === s.bestId) : undefined;
  return !!best?.code;
}

function rendererLabel(name: string): string {
  switch (name) {
    case 'webview':
      return 'Pyodide in this panel';
    case 'python':
      return 'local Python';
    case 'pyodide':
      return 'Pyodide';
    case 'none':
      return 'none';
    default:
      return name;
  }
}

function summaryLine(s: PanelState): string {
  const parts: string[] = [];
  if (s.bestScore !== undefined) parts.push(`best ${fmtScore(s.bestScore)}`);
  if (s.candidates.length) parts.push(`${s.candidates.length} candidate${s.candidates.length === 1 ? '' : 's'}`);
  if (s.durationMs !== undefined) parts.push(`${(s.durationMs / 1000).toFixed(1)} s`);
  if (s.usage) parts.push(`${s.usage.promptTokens + s.usage.completionTokens} tokens`);
  if (s.model) parts.push(s.model);
  return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------------------------

const root = document.getElementById('app') as HTMLElement;
let view: PanelView | undefined;
let state: PanelState | undefined;
let workerHost: PyodideWorkerHost | undefined;

// Saving the state (it holds the images) is throttled; a finished run is saved at once.
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveState(now = false): void {
  if (!state) return;
  clearTimeout(saveTimer);
  if (now) vscode.setState(state);
  else saveTimer = setTimeout(() => state && vscode.setState(state), 400);
}

let drawQueued = false;
function draw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    if (!state) return;
    view ??= new PanelView(root);
    view.render(state);
  });
}

/** The original, decoded by the browser (WebP too) and re-encoded as PNG for the engine. */
async function convertOriginal(jobId: string): Promise<void> {
  try {
    if (!state) throw new Error('no image in the panel yet');
    const img = new Image();
    img.src = state.imageSrc;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.drawImage(img, 0, 0);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (!blob) throw new Error('the browser could not encode a PNG');
    post({ type: 'converted-image', jobId, png: bytesToBase64(new Uint8Array(await blob.arrayBuffer())) });
  } catch (e) {
    post({ type: 'converted-image', jobId, error: `could not decode the image: ${errorText(e)}`.slice(0, 2000) });
  }
}

/** The panel's Pyodide worker, in one line under the header (and `data-worker` for tests). */
function showWorkerStatus(s: WorkerStatus): void {
  root.setAttribute('data-worker', s.status);
  let line = document.getElementById('worker-status');
  if (!line) {
    line = el('div', { id: 'worker-status', class: 'worker-status', 'data-testid': 'worker-status' });
    root.parentElement?.insertBefore(line, root.nextSibling);
  }
  const text =
    s.status === 'starting'
      ? 'Pyodide is starting in this panel…'
      : s.status === 'ready'
        ? `Pyodide ready${s.message ? ` (${s.message})` : ''}${s.ms !== undefined ? ` in ${(s.ms / 1000).toFixed(1)} s` : ''}`
        : `Pyodide could not start: ${s.message ?? 'unknown error'}`;
  line.className = `worker-status worker-${s.status}`;
  setText(line, text);
}

function onHostMessage(msg: HostMessage): void {
  switch (msg.type) {
    case 'worker-config':
      if (workerHost) workerHost.reconfigure(msg.config);
      else {
        workerHost = new PyodideWorkerHost(msg.config, (s) => {
          post({ type: 'worker-status', ...s });
          showWorkerStatus(s);
        });
        workerHost.start();
      }
      return;
    case 'render':
      if (!workerHost) {
        post({ type: 'render-result', jobId: msg.jobId, result: { ok: false, stdout: '', error: 'the panel has no Pyodide worker configured', errorKind: 'internal', durationMs: 0 } });
        return;
      }
      workerHost.run(msg.jobId, msg.request, (result) => post({ type: 'render-result', jobId: msg.jobId, result }));
      return;
    case 'render-cancel':
      workerHost?.cancel(msg.jobId);
      return;
    case 'convert-image':
      void convertOriginal(msg.jobId);
      return;
    default:
      if (msg.type !== 'state' && !state) return; // nothing to fold into yet
      state = reducePanel(state as PanelState, msg);
      saveState(msg.type === 'run-ended' || msg.type === 'state');
      draw();
  }
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const parsed = parseHostMessage(ev.data);
  if (!parsed.ok) {
    post({ type: 'page-error', message: `ignored a message: ${parsed.error}`.slice(0, 2000) });
    return;
  }
  try {
    onHostMessage(parsed.message);
  } catch (e) {
    post({ type: 'page-error', message: `while handling ${parsed.message.type}: ${errorText(e)}`.slice(0, 2000) });
  }
});

window.addEventListener('error', (ev) => post({ type: 'page-error', message: String(ev.message).slice(0, 2000) }));
window.addEventListener('unhandledrejection', (ev) => post({ type: 'page-error', message: `unhandled: ${errorText(ev.reason)}`.slice(0, 2000) }));
window.addEventListener('unload', () => workerHost?.dispose());

// Shown again after a reload (or hidden/shown without retained context): draw the saved view at
// once; the host answers 'ready' with the authoritative state.
const saved = vscode.getState();
if (saved !== undefined && saved !== null) {
  const p = parsePanelState(saved);
  if (p.ok) {
    state = p.message;
    draw();
  }
}
post({ type: 'ready' });
