/**
 * Engine run events → panel messages. Pure (no `vscode`), so the panel's logic is testable in Node.
 */
import type { CandidateInfo, RunEvent, Score } from '../core/types';
import { readingView } from './readingView';
import { bytesToBase64, LIMITS, type CandidateView, type HostMessage, type ScoreView } from '../shared/protocol';

export function scoreView(s: Score): ScoreView {
  const parts: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.parts ?? {}).slice(0, LIMITS.scoreParts)) {
    if (/^[A-Za-z0-9_.-]{1,32}$/.test(k) && Number.isFinite(v)) parts[k] = v;
  }
  return { score: clamp01(s.score), parts };
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Text for the page, within the protocol's limit (the page refuses a longer message whole). */
export function clip(s: string, max: number = LIMITS.textChars): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Candidate ids come from the engine; keep them inside the protocol's id alphabet. */
export function safeId(id: string): string {
  const s = id.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, LIMITS.idChars);
  return s === '' ? '_' : s;
}

export function candidateView(c: CandidateInfo): Omit<CandidateView, 'renderSrc'> {
  return {
    id: safeId(c.id),
    round: Math.max(0, Math.floor(c.round)),
    source: c.source,
    parentId: c.parentId !== undefined ? safeId(c.parentId) : undefined,
    // A candidate whose program is written waits for its render: show it as rendering, not writing.
    state: c.state === 'generating' && c.code !== undefined ? 'rendering' : c.state,
    error: c.error !== undefined ? clip(c.error) : undefined,
    score: c.score ? scoreView(c.score) : undefined,
    renderMs: c.renderMs,
    code: c.code !== undefined ? clip(c.code, LIMITS.codeChars) : undefined,
  };
}

/** The panel's message for a run that failed with `error` (any length: a program's or a server's text). */
export function runFailedMessage(error: string): HostMessage {
  return { type: 'run-ended', status: 'failed', error: clip(error) };
}

/** The panel messages for one engine event (none for events the panel does not show). */
export function runEventToMessages(e: RunEvent): HostMessage[] {
  switch (e.type) {
    case 'run-started':
      return [
        {
          type: 'run-started',
          runId: safeId(e.runId),
          image: e.image,
          question: e.question !== undefined ? clip(e.question) : undefined,
          options: { candidates: e.options.candidates, rounds: e.options.rounds, modelCritic: e.options.modelCritic },
        },
      ];
    case 'stage':
      return [{ type: 'stage', stage: e.stage, round: e.round, message: clip(e.message) }];
    case 'candidate-generated':
      return [{ type: 'candidate', candidate: candidateView(e.candidate) }];
    case 'candidate-rendered':
      return [{ type: 'candidate-render', candidateId: safeId(e.candidateId), png: bytesToBase64(e.png), renderMs: e.renderMs }];
    case 'candidate-scored':
      return [{ type: 'candidate-scored', candidateId: safeId(e.candidateId), score: scoreView(e.score) }];
    case 'candidate-failed':
      return [{ type: 'candidate-failed', candidateId: safeId(e.candidateId), stage: e.stage, error: clip(e.error) }];
    case 'best-changed':
      return [
        {
          type: 'best',
          candidateId: safeId(e.candidateId),
          score: scoreView(e.score),
          diffPng: e.diffPng ? bytesToBase64(e.diffPng) : undefined,
        },
      ];
    case 'round-finished':
      return [
        {
          type: 'round',
          round: { round: e.round, bestCandidateId: safeId(e.bestCandidateId), bestScore: clamp01(e.bestScore), improved: e.improved },
        },
      ];
    case 'critique':
      return [{ type: 'log', line: { level: 'info', message: clip(`model critic: ${e.critique.ranking.join(' > ')}${e.critique.notes ? ` — ${e.critique.notes}` : ''}`) } }];
    case 'answer':
      return [
        {
          type: 'answer',
          answer: {
            question: clip(e.answer.question),
            value: clip(e.answer.value),
            computed: e.answer.computed,
            computation: clip(e.answer.computation, LIMITS.codeChars),
            programCandidateId: safeId(e.answer.programCandidateId),
            score: clamp01(e.answer.score.score),
            explanation: e.answer.explanation !== undefined ? clip(e.answer.explanation) : undefined,
          },
        },
      ];
    case 'log':
      return [{ type: 'log', line: { level: e.level, message: clip(e.message) } }];
    case 'run-finished':
      return [
        {
          type: 'run-ended',
          status: 'finished',
          program: clip(e.result.program, LIMITS.codeChars),
          bestCandidateId: safeId(e.result.bestCandidateId),
          durationMs: e.result.durationMs,
          usage: e.result.usage,
        },
      ];
    case 'run-failed':
      return [{ type: 'run-ended', status: e.cancelled ? 'cancelled' : 'failed', error: clip(e.error) }];
    case 'reading':
      return [{ type: 'reading', reading: readingView(e.reading, e.overlayPng) }];
    case 'reading-failed':
      return [{ type: 'reading-failed', reason: clip(e.reason) }];
  }
}
