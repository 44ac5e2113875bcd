/**
 * The parts of the VS Code Language Model client that need no `vscode`: our chat messages in the
 * shape `vscode.lm` takes (it has no system role and no `n`), and what a failed request means.
 * lmModel.ts turns these into LanguageModelChatMessage / LanguageModelDataPart objects.
 */
import type { ChatMessage, ModelErrorKind } from '../core/types';

export type LmPart = { kind: 'text'; text: string } | { kind: 'image'; bytes: Uint8Array; mime: string };

export interface LmMessage {
  role: 'user' | 'assistant';
  parts: LmPart[];
}

/** `data:image/png;base64,…` → bytes and mime type; throws on anything else (the engine only makes data URLs). */
export function dataUrlToImage(dataUrl: string): { bytes: Uint8Array; mime: string } {
  const m = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+);base64,/i.exec(dataUrl);
  if (!m) throw new Error(`an image part is not a base64 data URL (${dataUrl.slice(0, 40)}…)`);
  return { bytes: new Uint8Array(Buffer.from(dataUrl.slice(m[0].length), 'base64')), mime: m[1]!.toLowerCase() };
}

function partsOf(content: ChatMessage['content']): LmPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  return content.map((p): LmPart => (p.type === 'text' ? { kind: 'text', text: p.text } : { kind: 'image', ...dataUrlToImage(p.dataUrl) }));
}

function textOf(content: ChatMessage['content']): string {
  return partsOf(content)
    .filter((p): p is { kind: 'text'; text: string } => p.kind === 'text')
    .map((p) => p.text)
    .join('\n');
}

/**
 * Our messages → the Language Model API's: system messages (the API has none) are folded, in
 * order, into the front of the first user message as text; images become image parts with their
 * bytes and mime type; assistant messages keep their text only. Empty text parts are dropped.
 */
export function toLmMessages(messages: ChatMessage[]): LmMessage[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => textOf(m.content)).filter((t) => t !== '');
  const out: LmMessage[] = [];
  let folded = system.length === 0;
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'assistant') {
      out.push({ role: 'assistant', parts: [{ kind: 'text', text: textOf(m.content) }] });
      continue;
    }
    const parts = partsOf(m.content).filter((p) => p.kind !== 'text' || p.text !== '');
    if (!folded) {
      parts.unshift({ kind: 'text', text: system.join('\n\n') });
      folded = true;
    }
    out.push({ role: 'user', parts });
  }
  // Only system messages: they become the one user message.
  if (!folded) out.unshift({ role: 'user', parts: [{ kind: 'text', text: system.join('\n\n') }] });
  return out;
}

/** What RECODE does about a failed Language Model request. */
export interface LmFailure {
  kind: ModelErrorKind;
  /** Back off and try again (rate limits, a temporary block). */
  retryable: boolean;
  /** One sentence for the user (without the retries said). */
  message: string;
}

export const ALLOW_HINT =
  'allow it in the Accounts menu (the person icon at the bottom of the activity bar) → your account → "Manage Language Model Access…", or answer "Allow" when VS Code asks, then run again';

/**
 * A rejected `sendRequest` (or a failing response stream) → one clear message. `code` is
 * LanguageModelError.code ('NoPermissions' | 'Blocked' | 'NotFound' | 'Unknown' …) when the error is one.
 */
export function classifyLmError(model: string, code: string | undefined, message: string): LmFailure {
  const says = message.replace(/\s+/g, ' ').trim().slice(0, 300).replace(/[.\s]+$/, '');
  const colon = says ? `: ${says}` : '';
  if (/quota|premium requests?|usage limit|exceeded your (monthly|copilot)|upgrade your plan/i.test(says)) {
    return { kind: 'rate-limit', retryable: false, message: `The model ${model} refused the request: your quota is used up${colon}. Wait for it to reset, or choose another model with "RECODE: Choose model".` };
  }
  if (code === 'NoPermissions') {
    return { kind: 'auth', retryable: false, message: `RECODE may not use the model ${model} (the request was not allowed${colon}) — ${ALLOW_HINT}.` };
  }
  if (code === 'NotFound') {
    return { kind: 'not-found', retryable: false, message: `The model ${model} is no longer available in VS Code${colon} — choose another with "RECODE: Choose model".` };
  }
  if (code === 'Blocked' || /rate.?limit|too many requests|\b429\b|throttl/i.test(says)) {
    return { kind: 'rate-limit', retryable: true, message: `The model ${model} is blocking or rate-limiting RECODE's requests${colon}` };
  }
  if (/image|vision|multimodal|modalit/i.test(says)) {
    return { kind: 'bad-request', retryable: false, message: `The model ${model} refused the image${colon} — it may not accept images; choose a vision model with "RECODE: Choose model".` };
  }
  if (code === 'Cancelled' || /cancel/i.test(code ?? '')) return { kind: 'cancelled', retryable: false, message: 'The model request was cancelled.' };
  return { kind: 'server', retryable: false, message: `The model ${model} failed${colon || ' with no details'}.` };
}
