/**
 * The model a run talks to: an OpenAI-compatible endpoint from the settings (recode.baseUrl,
 * recode.model), the key from SecretStorage. The environment (RECODE_BASE_URL, RECODE_MODEL,
 * RECODE_API_KEY …) fills in what the settings leave empty, as for the CLI.
 */
import * as vscode from 'vscode';
import type { ModelClient } from '../core/types';
import { createOpenAIModel, type OpenAIModelConfig } from '../core/model/openaiModel';
import { isLocalBaseURL, modelConfigFromEnv } from '../core/model/config';
import { errorText } from '../core/loop';
import { SECRET_KEY, type Settings } from './settings';

export const KEY_HINT = 'set the right key with "RECODE: Set API key"';

export const CONFIGURE_TEXT =
  'No model configured: set "recode.baseUrl" (an OpenAI-compatible endpoint) and "recode.model" (a multimodal model) in Settings, ' +
  'and the API key with "RECODE: Set API key".';

export interface ModelChoice {
  model?: ModelClient;
  /** Set when no model can be used, saying what to set. */
  problem?: string;
  /** The key in use (for the log's redaction), never shown. */
  apiKey?: string;
}

export async function createModelFromSettings(
  settings: Settings,
  secrets: vscode.SecretStorage,
  onRetry?: (message: string) => void,
): Promise<ModelChoice> {
  const env = modelConfigFromEnv();
  const stored = (await secrets.get(SECRET_KEY))?.trim() || undefined;
  const baseURL = settings.baseUrl || env.config?.baseURL;
  const model = settings.model || env.config?.model;
  const apiKey = stored ?? env.config?.apiKey;
  if (!baseURL || !model) {
    return { problem: !baseURL && !model ? CONFIGURE_TEXT : !baseURL ? `No model endpoint: set "recode.baseUrl" in Settings.` : `No model named: set "recode.model" (a multimodal model) in Settings.` };
  }
  if (!/^https?:\/\//i.test(baseURL)) return { problem: `"recode.baseUrl" must start with http:// or https:// (it is '${baseURL.slice(0, 200)}').` };
  if (!apiKey && !isLocalBaseURL(baseURL)) {
    return { problem: `No API key for ${baseURL}: run "RECODE: Set API key" (only endpoints on localhost may go without one).` };
  }
  const cfg: OpenAIModelConfig = {
    baseURL,
    model,
    timeoutMs: settings.requestTimeoutMs,
    keyHint: KEY_HINT,
    onRetry: onRetry ? (info) => onRetry(info.message) : undefined,
  };
  if (apiKey) cfg.apiKey = apiKey;
  // Environment tuning (same variables as the CLI) applies when the endpoint is the environment's.
  if (env.config && env.config.baseURL === baseURL) {
    for (const k of ['maxRetries', 'supportsN', 'stream', 'azureApiVersion'] as const) {
      if (env.config[k] !== undefined) (cfg as unknown as Record<string, unknown>)[k] = env.config[k];
    }
  }
  try {
    return { model: createOpenAIModel(cfg), apiKey };
  } catch (e) {
    return { problem: errorText(e), apiKey };
  }
}
