/**
 * The model configuration from the environment (CLI, tests, the extension's fallback):
 *
 *   RECODE_BASE_URL   an OpenAI-compatible endpoint (else OPENAI_BASE_URL; else
 *                     https://api.openai.com/v1 when OPENAI_API_KEY is set)
 *   RECODE_MODEL      a multimodal model name (for Azure: the deployment)
 *   RECODE_API_KEY    the key (else OPENAI_API_KEY); endpoints on localhost need none
 * Optional:
 *   RECODE_TIMEOUT_MS, RECODE_MAX_RETRIES, RECODE_SUPPORTS_N (1/0), RECODE_STREAM (1/0),
 *   RECODE_AZURE_API_VERSION (for Azure OpenAI),
 *   RECODE_MAX_REPLY_BYTES (the most text one reply may hold; default 1000000)
 */
import { describeEndpoint, displayURL, type OpenAIModelConfig } from './openaiModel';

export interface ModelConfigResult {
  /** Present when the environment names a usable endpoint and model. */
  config?: OpenAIModelConfig;
  /** Present otherwise: one paragraph saying exactly what to set. */
  problem?: string;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** What to set, said once for every "not configured" message. */
export const CONFIGURE_HINT =
  'Set RECODE_BASE_URL (an OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama), ' +
  'RECODE_MODEL (a multimodal model, e.g. gpt-4o or llava) and RECODE_API_KEY (if the endpoint needs one).';

type Env = Record<string, string | undefined>;

/** Reads the model configuration from the environment; never throws. */
export function modelConfigFromEnv(env: Env = process.env): ModelConfigResult {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const explicitBase = get('RECODE_BASE_URL') ?? get('OPENAI_BASE_URL');
  const model = get('RECODE_MODEL');
  const apiKey = get('RECODE_API_KEY') ?? get('OPENAI_API_KEY');
  const baseURL = explicitBase ?? (get('OPENAI_API_KEY') ? OPENAI_DEFAULT_BASE_URL : undefined);

  const e = checkEndpoint({ baseURL, model, apiKey });
  if (!e.ok) {
    switch (e.gap) {
      case 'nothing':
        return { problem: `No model configured. ${CONFIGURE_HINT}` };
      case 'base-url':
        return { problem: `No model endpoint configured: RECODE_BASE_URL is not set. ${CONFIGURE_HINT}` };
      case 'bad-url': {
        const name = get('RECODE_BASE_URL') ? 'RECODE_BASE_URL' : 'OPENAI_BASE_URL';
        return { problem: `${name} is not a usable endpoint (${e.detail}): '${baseURL}'. ${CONFIGURE_HINT}` };
      }
      case 'model':
        return {
          problem: `No model named: RECODE_MODEL is not set. Set RECODE_MODEL to a multimodal model served at ${displayURL(e.baseURL)} (e.g. gpt-4o, or llava for Ollama).`,
        };
      case 'key':
        return {
          problem:
            `No API key for ${displayURL(e.baseURL)}: set RECODE_API_KEY (or OPENAI_API_KEY). ` +
            'Only endpoints on localhost may go without one; for another server that needs no key, set RECODE_API_KEY=none.',
        };
    }
  }

  const config: OpenAIModelConfig = { baseURL: e.baseURL, model: e.model };
  if (apiKey) config.apiKey = apiKey;

  const problems: string[] = [];
  const int = (name: string, min: number): number | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${name} must be a whole number ≥ ${min} (got '${v}')`);
      return undefined;
    }
    return n;
  };
  const bool = (name: string): boolean | undefined => {
    const v = get(name)?.toLowerCase();
    if (v === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    problems.push(`${name} must be 1 or 0 (got '${v}')`);
    return undefined;
  };
  const timeoutMs = int('RECODE_TIMEOUT_MS', 1);
  const maxRetries = int('RECODE_MAX_RETRIES', 0);
  const supportsN = bool('RECODE_SUPPORTS_N');
  const stream = bool('RECODE_STREAM');
  const maxReplyBytes = int('RECODE_MAX_REPLY_BYTES', 1000);
  const azureApiVersion = get('RECODE_AZURE_API_VERSION');
  if (problems.length > 0) return { problem: `${problems.join('; ')}.` };
  if (timeoutMs !== undefined) config.timeoutMs = timeoutMs;
  if (maxRetries !== undefined) config.maxRetries = maxRetries;
  if (supportsN !== undefined) config.supportsN = supportsN;
  if (stream !== undefined) config.stream = stream;
  if (maxReplyBytes !== undefined) config.maxReplyBytes = maxReplyBytes;
  if (azureApiVersion) config.azureApiVersion = azureApiVersion;
  return { config };
}

/** e.g. 'gpt-4o @ https://api.openai.com/v1' — never the key, nor credentials or a query in the URL. */
export function describeModel(cfg: Pick<OpenAIModelConfig, 'model' | 'baseURL'>): string {
  return describeEndpoint(cfg.model, cfg.baseURL);
}

/** True for endpoints on this machine (localhost, 127.x, ::1, *.localhost), which may need no key. */
export function isLocalBaseURL(baseURL: string): boolean {
  let host: string;
  try {
    host = new URL(baseURL).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0.0.0.0';
}

/** An endpoint's settings, wherever they come from (environment, VS Code settings, secret storage). */
export interface EndpointFields {
  baseURL?: string;
  model?: string;
  apiKey?: string;
}

/**
 * What an endpoint's settings lack, the first gap in the order a person fills them: nothing set at
 * all, no base URL, a base URL that is not http(s), no model, no key (for an endpoint not on
 * localhost). The CLI and the extension word each gap for their own settings.
 */
export type EndpointCheck =
  | { ok: true; baseURL: string; model: string; apiKey?: string }
  | { ok: false; gap: 'nothing' | 'base-url' }
  | { ok: false; gap: 'bad-url'; baseURL: string; detail: string }
  | { ok: false; gap: 'model' | 'key'; baseURL: string };

export function checkEndpoint(f: EndpointFields): EndpointCheck {
  if (!f.baseURL && !f.model && !f.apiKey) return { ok: false, gap: 'nothing' };
  if (!f.baseURL) return { ok: false, gap: 'base-url' };
  const detail = checkBaseURL(f.baseURL);
  if (detail) return { ok: false, gap: 'bad-url', baseURL: f.baseURL, detail };
  if (!f.model) return { ok: false, gap: 'model', baseURL: f.baseURL };
  if (!f.apiKey && !isLocalBaseURL(f.baseURL)) return { ok: false, gap: 'key', baseURL: f.baseURL };
  return { ok: true, baseURL: f.baseURL, model: f.model, apiKey: f.apiKey };
}

function checkBaseURL(baseURL: string): string | undefined {
  let u: URL;
  try {
    u = new URL(baseURL);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `it must start with http:// or https://, not ${u.protocol}//`;
  return undefined;
}
