/**
 * The answer stage's work: the model writes code over the recovered program's data, the renderer
 * runs program + code, and the value it computed is the answer (with its computation, for provenance).
 */
import type { Answer, ChatMessage, ModelReply, Renderer, Score } from './types';
import { extractProgram, oneLine } from './program';
import { answerMessages } from './prompts';
import { DEFAULT_MAX_OUTPUT_BYTES } from './render/harness';
import { Cancelled } from './runContext';
import { errorText } from './text';

export interface AnswerRequest {
  question: string;
  program: string;
  candidateId: string;
  score: Score;
  imageDataUrl: string;
  renderer: Renderer;
  timeLimitMs: number;
  callModel: (messages: ChatMessage[]) => Promise<ModelReply>;
  signal?: AbortSignal;
}

/**
 * Asks the model for code that computes the answer from the program's data, runs program + code,
 * and returns the computed value. A computation that fails gets one more try with its error; if
 * that fails too the answer is the model's own words, marked as not computed.
 */
export async function computeAnswer(r: AnswerRequest): Promise<Answer> {
  let previousError: string | undefined;
  let lastExplanation: string | undefined;
  let lastComputation = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await r.callModel(answerMessages({ question: r.question, program: r.program, imageDataUrl: r.imageDataUrl, previousError }));
    const text = reply.texts[0] ?? '';
    lastExplanation = /Explanation:\s*(.+)/i.exec(text)?.[1]?.trim();
    let computation: string;
    try {
      computation = extractProgram(text, 'any').code;
    } catch (e) {
      previousError = errorText(e);
      continue;
    }
    lastComputation = computation;
    const run = await r.renderer.render(
      { code: `${r.program.trimEnd()}\n\n# --- answer computation ---\n${computation}\n`, mode: 'script', width: 100, height: 100, timeLimitMs: r.timeLimitMs },
      r.signal,
    );
    if (r.signal?.aborted) throw new Cancelled();
    if (run.ok && run.answer !== undefined) {
      return {
        question: r.question,
        value: run.answer,
        computed: true,
        computation,
        programCandidateId: r.candidateId,
        score: r.score,
        explanation: lastExplanation,
        ...(cutAtOutputLimit(run.answer) ? { truncatedAt: DEFAULT_MAX_OUTPUT_BYTES } : {}),
      };
    }
    previousError = run.ok ? 'the code ran but did not set a variable named `answer`' : `${run.error ?? 'it failed'}\n${run.traceback ?? ''}`.trim();
  }
  return {
    question: r.question,
    value: lastExplanation ?? '(no answer could be computed)',
    computed: false,
    computation: lastComputation,
    programCandidateId: r.candidateId,
    score: r.score,
    explanation: `The computation failed: ${oneLine(previousError ?? 'unknown error', 300)}`,
  };
}

/**
 * True when a computed answer is as long as the harness lets one be (it keeps the first
 * DEFAULT_MAX_OUTPUT_BYTES characters of `str(answer)`): what was computed was longer, or exactly that long.
 */
function cutAtOutputLimit(answer: string): boolean {
  if (answer.length < DEFAULT_MAX_OUTPUT_BYTES) return false;
  let chars = 0; // Python counts code points
  for (let i = 0; i < answer.length; i++) {
    const c = answer.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) chars++;
  }
  return chars >= DEFAULT_MAX_OUTPUT_BYTES;
}
