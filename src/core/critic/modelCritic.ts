/**
 * The model critic: the model sees the original and the renders side by side and ranks them. Used
 * to break near-ties of the pixel critic and to say in words what still differs (for refinement).
 */
import type { ChatMessage, ModelCritique, ModelReply } from '../types';
import { criticMessages } from '../prompts';

export async function rankWithModel(
  call: (messages: ChatMessage[]) => Promise<ModelReply>,
  originalDataUrl: string,
  renders: { id: string; dataUrl: string }[],
): Promise<ModelCritique> {
  const reply = await call(criticMessages({ originalDataUrl, renders }));
  return parseCritique(reply.texts[0] ?? '', renders.map((r) => r.id));
}

/** Reads the critic's JSON (tolerating prose or fences around it); unknown ids are dropped. */
export function parseCritique(text: string, ids: string[]): ModelCritique {
  const m = /\{[\s\S]*\}/.exec(text);
  if (!m) throw new Error('the model critic replied without a ranking');
  let parsed: unknown;
  try {
    parsed = JSON.parse(m[0]);
  } catch {
    throw new Error('the model critic replied with malformed JSON');
  }
  const obj = parsed as { ranking?: unknown; notes?: unknown };
  const ranking = Array.isArray(obj.ranking) ? obj.ranking.map(String).filter((id) => ids.includes(id)) : [];
  if (ranking.length === 0) throw new Error('the model critic ranked none of the candidates');
  for (const id of ids) if (!ranking.includes(id)) ranking.push(id);
  return { ranking: [...new Set(ranking)], notes: typeof obj.notes === 'string' ? obj.notes : '' };
}
