/**
 * The panel's state as a pure reducer over host messages. The extension host keeps one copy (the
 * truth, sent whole when the page (re)loads) and the webview another (what it draws, and what it
 * saves for a restore after a window reload); both fold the same messages with `reducePanel`.
 *
 * Browser-safe: no Node or `vscode` imports.
 */
import { LIMITS, pngDataUrl, type CandidateView, type HostMessage, type PanelState, type RendererView } from './protocol';

export interface PanelInit {
  kind: PanelState['kind'];
  imageName: string;
  imageSrc: string;
  imageSize?: { width: number; height: number };
  question?: string;
  renderer: RendererView;
}

export function initialPanelState(init: PanelInit): PanelState {
  return {
    v: 1,
    kind: init.kind,
    imageName: init.imageName,
    imageSrc: init.imageSrc,
    imageSize: init.imageSize,
    question: init.question,
    status: 'running',
    candidates: [],
    rounds: [],
    renderer: init.renderer,
    log: [],
  };
}

function upsertCandidate(state: PanelState, id: string, patch: Partial<CandidateView>): PanelState {
  const i = state.candidates.findIndex((c) => c.id === id);
  if (i < 0) {
    if (state.candidates.length >= LIMITS.candidates) return state;
    const fresh: CandidateView = { id, round: 0, source: 'generate', state: 'generating', ...patch };
    return { ...state, candidates: [...state.candidates, fresh] };
  }
  const candidates = state.candidates.slice();
  candidates[i] = { ...candidates[i], ...patch };
  return { ...state, candidates };
}

/** Folds one host message into the state. Messages that do not change the view leave it as is. */
export function reducePanel(state: PanelState, msg: HostMessage): PanelState {
  switch (msg.type) {
    case 'state':
      return msg.state;
    case 'run-started':
      return {
        ...state,
        runId: msg.runId,
        imageSize: msg.image,
        question: msg.question ?? state.question,
        options: msg.options,
        model: msg.model,
        status: 'running',
        error: undefined,
        reading: undefined,
        readingError: undefined,
      };
    case 'stage':
      return { ...state, stage: { stage: msg.stage, round: msg.round, message: msg.message } };
    case 'candidate': {
      // A candidate already scored or failed keeps its state if a late 'candidate' repeats it.
      const prev = state.candidates.find((c) => c.id === msg.candidate.id);
      const patch: Partial<CandidateView> = { ...msg.candidate };
      if (prev && (prev.state === 'scored' || prev.state === 'failed') && (msg.candidate.state === 'generating' || msg.candidate.state === 'rendering')) {
        patch.state = prev.state;
      }
      return upsertCandidate(state, msg.candidate.id, patch);
    }
    case 'candidate-render': {
      const prev = state.candidates.find((c) => c.id === msg.candidateId);
      const stateAfter = prev && (prev.state === 'scored' || prev.state === 'failed') ? prev.state : 'rendering';
      return upsertCandidate(state, msg.candidateId, { renderSrc: pngDataUrl(msg.png), renderMs: msg.renderMs, state: stateAfter });
    }
    case 'candidate-scored':
      return upsertCandidate(state, msg.candidateId, { state: 'scored', score: msg.score, error: undefined });
    case 'candidate-failed':
      return upsertCandidate(state, msg.candidateId, { state: 'failed', error: msg.error });
    case 'best':
      return {
        ...upsertCandidate(state, msg.candidateId, {}),
        bestId: msg.candidateId,
        bestScore: msg.score.score,
        diffSrc: msg.diffPng !== undefined ? pngDataUrl(msg.diffPng) : state.diffSrc,
      };
    case 'round': {
      const rounds = state.rounds.filter((r) => r.round !== msg.round.round);
      rounds.push(msg.round);
      rounds.sort((a, b) => a.round - b.round);
      return { ...state, rounds: rounds.slice(-LIMITS.rounds) };
    }
    case 'answer':
      return { ...state, answer: msg.answer, question: state.question ?? msg.answer.question };
    case 'log': {
      const log = [...state.log, msg.line];
      return { ...state, log: log.length > LIMITS.logLines ? log.slice(log.length - LIMITS.logLines) : log };
    }
    case 'run-ended': {
      // Candidates still in flight when the run ends did not finish.
      const candidates = state.candidates.map((c) =>
        c.state === 'generating' || c.state === 'rendering' ? { ...c, state: 'failed' as const, error: c.error ?? `not finished (run ${msg.status})` } : c,
      );
      return {
        ...state,
        candidates,
        status: msg.status,
        error: msg.status === 'finished' ? undefined : (msg.error ?? state.error),
        program: msg.program ?? state.program,
        bestId: msg.bestCandidateId ?? state.bestId,
        durationMs: msg.durationMs ?? state.durationMs,
        usage: msg.usage ?? state.usage,
        stage: undefined,
      };
    }
    case 'renderer':
      return { ...state, renderer: msg.renderer };
    case 'reading':
      return { ...state, reading: msg.reading, readingError: undefined };
    case 'reading-failed':
      return { ...state, readingError: msg.reason };
    case 'model-note':
      return { ...state, modelNote: msg.note };
    case 'worker-config':
    case 'render':
    case 'render-cancel':
    case 'convert-image':
      return state;
  }
}

/** Folds a sequence of host messages from a starting state. */
export function panelState(start: PanelState, messages: Iterable<HostMessage>): PanelState {
  let s = start;
  for (const m of messages) s = reducePanel(s, m);
  return s;
}

/**
 * A state restored after a window reload: a run that was still going is gone with the old
 * extension host, so it shows as cancelled, and nothing can be rendered in it any more.
 */
export function restoredPanelState(saved: PanelState): PanelState {
  if (saved.status !== 'running') return saved;
  return reducePanel(saved, { type: 'run-ended', status: 'cancelled', error: 'The run stopped when the window reloaded.' });
}

/** The program the user means: a given candidate's, else the winning program, else the best candidate's. */
export function programOf(state: PanelState, candidateId?: string): string | undefined {
  if (candidateId) return state.candidates.find((c) => c.id === candidateId)?.code;
  if (state.program) return state.program;
  const best = state.bestId ? state.candidates.find((c) => c.id === state.bestId) : undefined;
  return best?.code;
}
