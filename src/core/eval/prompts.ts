/**
 * The evaluation's own prompts: the direct baseline (the model answers from the image alone, in one
 * request) and the judge (CharXiv's paper grades answers with a model). Markers as in prompts.ts:
 * both are `answer`/`critic` requests, told apart by `[direct]` / `[judge]` after the marker.
 */
import { MARKER } from '../prompts';
import type { ChatMessage } from '../types';
import { CHOICE_LETTERS } from './score';

/** The question as the model sees it; multiple choice lists the choices with their letters. */
export function questionText(question: string, choices?: string[]): string {
  if (!choices || choices.length === 0) return question;
  return `${question}\nChoices: ${choices.map((c, k) => `${CHOICE_LETTERS[k]}. ${c}`).join('   ')}\n(Give the letter of the right choice, or the value.)`;
}

export function directMessages(question: string, imageDataUrl: string, choices?: string[]): ChatMessage[] {
  const system = `${MARKER.answer} [direct] You answer questions about a chart or diagram by looking at it.
Think briefly if you need to, then end with one line:  Answer: <the answer>
The answer is a number (no units, no thousands separators) or a short text, exactly as the chart writes it.`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: [{ type: 'text', text: `Question: ${questionText(question, choices)}` }, { type: 'image', dataUrl: imageDataUrl }] },
  ];
}

/** The answer in a direct reply: its last "Answer:" line, else its last line. */
export function directAnswer(reply: string): string {
  const lines = reply.replace(/\r\n/g, '\n').split('\n').map((l) => l.trim()).filter(Boolean);
  const tagged = [...lines].reverse().find((l) => /^\**\s*(final\s+)?answer\s*\**\s*[:：]/i.test(l));
  const line = tagged ? tagged.replace(/^\**\s*(final\s+)?answer\s*\**\s*[:：]\s*/i, '') : (lines[lines.length - 1] ?? '');
  return line.replace(/^\*+|\*+$/g, '').replace(/^`+|`+$/g, '').trim().slice(0, 2000);
}

export function judgeMessages(question: string, expected: string, answer: string): ChatMessage[] {
  const system = `${MARKER.critic} [judge] You grade an answer to a question about a chart against the ground truth, as CharXiv does.
The answer is right when it means the same as the ground truth: the same entity or label (ignore case,
formatting and harmless extra words), or the same number (ignore units and formatting; it must be exactly
the number asked, not an approximation, unless the question asks for an approximate value).
Reply with JSON only: {"extracted_answer": "...", "score": 1} or {"extracted_answer": "...", "score": 0}.`;
  const text = `Question: ${question}\nGround truth: ${expected}\nAnswer to grade: ${answer}`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: text },
  ];
}

/** The judge's verdict; undefined when the reply holds none. */
export function judgeVerdict(reply: string): boolean | undefined {
  const m = /"score"\s*:\s*"?([01])"?/.exec(reply);
  if (m) return m[1] === '1';
  return undefined;
}
