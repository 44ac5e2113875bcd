/**
 * The model a run talks to (`chooseModel`, the one place that decides): per `recode.modelSource`,
 * - an OpenAI-compatible endpoint from the settings (recode.baseUrl, recode.model), the key from
 *   SecretStorage; the environment (RECODE_BASE_URL, RECODE_MODEL, RECODE_API_KEY …) fills in what
 *   the settings leave empty, as for the CLI;
 * - or a model VS Code already has (GitHub Copilot, a provider extension) through `vscode.lm`
 *   (lmModel.ts), picked by `recode.vscodeModel`; only models that accept images.
 * "RECODE: Choose model" (chooseModelCommand) lists both and remembers the choice.
 */
import * as vscode from 'vscode';
import type { ModelClient } from '../core/types';
import { createOpenAIModel, displayURL, type OpenAIModelConfig } from '../core/model/openaiModel';
import { checkEndpoint, modelConfigFromEnv, type EndpointCheck } from '../core/model/config';
import { acceptsImages, createLmModel } from './lmModel';
import { errorText } from '../core/text';
import { SECRET_KEY, type Settings } from './settings';
import { showInfo, showWarning } from './notify';

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
  /** Where the model comes from; 'none': no model can be used (`problem` says why). */
  source?: 'endpoint' | 'vscode' | 'none';
  /** The buttons of the error message when there is a problem. */
  buttons?: string[];
  /** Nothing is configured and no VS Code model can be used: the built-in chart reader derenders alone. */
  readerOnly?: boolean;
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
  const e = checkEndpoint({ baseURL, model, apiKey });
  if (!e.ok) return { problem: endpointProblemText(e, model) };
  const cfg: OpenAIModelConfig = {
    baseURL: e.baseURL,
    model: e.model,
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

/** What to set in VS Code for an endpoint gap (a missing model is said before a bad URL). */
function endpointProblemText(e: Exclude<EndpointCheck, { ok: true }>, model: string | undefined): string {
  switch (e.gap) {
    case 'nothing':
      return CONFIGURE_TEXT;
    case 'base-url':
      return model ? `No model endpoint: set "recode.baseUrl" in Settings.` : CONFIGURE_TEXT;
    case 'bad-url':
      return model ? `"recode.baseUrl" must start with http:// or https:// (it is '${e.baseURL.slice(0, 200)}').` : NO_MODEL_TEXT;
    case 'model':
      return NO_MODEL_TEXT;
    case 'key':
      return `No API key for ${e.baseURL}: run "RECODE: Set API key" (only endpoints on localhost may go without one).`;
  }
}

const NO_MODEL_TEXT = `No model named: set "recode.model" (a multimodal model) in Settings.`;

// ---------------------------------------------------------------------------------------------
// The model source: endpoint, VS Code's Language Model API, or none
// ---------------------------------------------------------------------------------------------

export type ModelSource = 'auto' | 'endpoint' | 'vscode';

export const CHOOSE_MODEL = 'Choose Model';

export const NO_VSCODE_MODEL_TEXT =
  'No vision-capable language model in VS Code: sign in to GitHub Copilot or install a provider extension (e.g. for Ollama, Azure, Anthropic), ' +
  'or set an OpenAI-compatible endpoint ("recode.baseUrl", "recode.model" and "RECODE: Set API key").';

export function readModelSource(scope?: vscode.Uri): { source: ModelSource; vscodeModel: string } {
  const c = vscode.workspace.getConfiguration('recode', scope);
  const s = c.get<string>('modelSource', 'auto');
  return { source: s === 'endpoint' || s === 'vscode' ? s : 'auto', vscodeModel: (c.get<string>('vscodeModel', '') ?? '').trim() };
}

/** An endpoint is configured when a base URL or a model name is set (settings or environment). */
export function endpointConfigured(settings: Settings): boolean {
  const env = modelConfigFromEnv();
  return Boolean(settings.baseUrl || settings.model || env.config || process.env.RECODE_BASE_URL?.trim() || process.env.RECODE_MODEL?.trim());
}

/** `recode.vscodeModel` matches a model by `vendor/id`, `vendor/family`, id, family or vendor (any case). */
export function matchesVscodeModel(chat: { vendor: string; id: string; family: string }, pref: string): boolean {
  const p = pref.toLowerCase();
  const v = chat.vendor.toLowerCase();
  return [`${v}/${chat.id.toLowerCase()}`, `${v}/${chat.family.toLowerCase()}`, chat.id.toLowerCase(), chat.family.toLowerCase(), v].includes(p);
}

function listNames(chats: readonly vscode.LanguageModelChat[]): string {
  const names = chats.slice(0, 8).map((c) => `${c.vendor}/${c.id}`);
  return names.join(', ') + (chats.length > 8 ? ` and ${chats.length - 8} more` : '');
}

/** The VS Code model to derender with: `recode.vscodeModel` if set, else the first that accepts images. */
export async function pickVscodeModel(pref: string): Promise<{ chat?: vscode.LanguageModelChat; problem?: string; buttons?: string[] }> {
  let all: vscode.LanguageModelChat[];
  try {
    all = await vscode.lm.selectChatModels();
  } catch (e) {
    return { problem: `Could not list VS Code's language models: ${errorText(e)}` };
  }
  if (all.length === 0) return { problem: NO_VSCODE_MODEL_TEXT, buttons: ['Open Settings'] };
  const matching = pref ? all.filter((c) => matchesVscodeModel(c, pref)) : all;
  if (matching.length === 0) {
    return { problem: `No VS Code language model matches "recode.vscodeModel" = '${pref.slice(0, 100)}' (available: ${listNames(all)}) — choose one with "RECODE: Choose model".`, buttons: [CHOOSE_MODEL] };
  }
  // Known to take images first, then those the runtime says nothing about (tried; a refusal is reported).
  const usable = [...matching.filter((c) => acceptsImages(c) === true), ...matching.filter((c) => acceptsImages(c) === undefined)];
  if (usable.length === 0) {
    return {
      problem: `${pref ? `The VS Code model '${pref.slice(0, 100)}'` : "None of VS Code's language models"} (${listNames(matching)}) accepts images, and derendering needs a model that sees the chart — choose a vision model with "RECODE: Choose model".`,
      buttons: [CHOOSE_MODEL],
    };
  }
  return { chat: usable[0] };
}

async function vscodeChoice(settings: Settings, pref: string, onRetry?: (message: string) => void): Promise<ModelChoice> {
  const p = await pickVscodeModel(pref);
  if (!p.chat) return { source: 'none', problem: p.problem, buttons: p.buttons };
  return { source: 'vscode', model: createLmModel(p.chat, { timeoutMs: settings.requestTimeoutMs, onRetry }) };
}

/**
 * THE decision of which model a run uses. `recode.modelSource`:
 * - 'endpoint': the OpenAI-compatible endpoint (as before);
 * - 'vscode': a VS Code language model (recode.vscodeModel, or the first that accepts images);
 * - 'auto' (default): the configured endpoint if there is one, else a vision-capable VS Code
 *   model, else none (source 'none', with the problem to show).
 */
export async function chooseModel(
  settings: Settings,
  secrets: vscode.SecretStorage,
  scope?: vscode.Uri,
  onRetry?: (message: string) => void,
): Promise<ModelChoice> {
  const { source, vscodeModel } = readModelSource(scope);
  const endpoint = async (): Promise<ModelChoice> => {
    const m = await createModelFromSettings(settings, secrets, onRetry);
    return m.model ? { ...m, source: 'endpoint' } : { ...m, source: 'none', buttons: ['Open Settings', 'Set API Key'] };
  };
  if (source === 'endpoint') return endpoint();
  if (source === 'vscode') return vscodeChoice(settings, vscodeModel, onRetry);
  if (endpointConfigured(settings)) return endpoint();
  const v = await vscodeChoice(settings, vscodeModel, onRetry);
  if (v.model) return v;
  // No model at all: say how to get one.
  return { source: 'none', readerOnly: !vscodeModel, problem: vscodeModel ? v.problem : `${CONFIGURE_TEXT} Or sign in to GitHub Copilot (or install a language model provider extension) to use a model VS Code already has.`, buttons: v.buttons ?? ['Open Settings', 'Set API Key'] };
}

interface ModelPick extends vscode.QuickPickItem {
  value?: { source: ModelSource; vscodeModel?: string };
  refuse?: string;
}

/**
 * "RECODE: Choose model": every VS Code language model (marking which accept images) and the
 * configured endpoint; the choice is remembered in the user settings (recode.modelSource,
 * recode.vscodeModel). `arg` (automation, tests): 'auto' | 'endpoint' | a `vendor/id` to choose without UI.
 * Returns the chosen `source` and `vscodeModel`, or undefined when nothing was chosen.
 */
export async function chooseModelCommand(arg?: unknown): Promise<{ source: ModelSource; vscodeModel: string } | undefined> {
  const config = vscode.workspace.getConfiguration('recode');
  const remember = async (v: { source: ModelSource; vscodeModel?: string }): Promise<{ source: ModelSource; vscodeModel: string }> => {
    await config.update('modelSource', v.source, vscode.ConfigurationTarget.Global);
    if (v.vscodeModel !== undefined) await config.update('vscodeModel', v.vscodeModel, vscode.ConfigurationTarget.Global);
    return readModelSource();
  };
  let all: vscode.LanguageModelChat[] = [];
  try {
    all = await vscode.lm.selectChatModels();
  } catch {
    // listed as none
  }
  if (typeof arg === 'string' && arg) {
    if (arg === 'auto' || arg === 'endpoint') return remember({ source: arg });
    const chat = all.find((c) => matchesVscodeModel(c, arg));
    if (!chat) throw new Error(`no VS Code language model matches '${arg}'`);
    if (acceptsImages(chat) === false) throw new Error(`${chat.vendor}/${chat.id} does not accept images`);
    return remember({ source: 'vscode', vscodeModel: `${chat.vendor}/${chat.id}` });
  }
  const current = readModelSource();
  const settings = vscode.workspace.getConfiguration('recode');
  const baseUrl = (settings.get<string>('baseUrl', '') ?? '').trim();
  const modelName = (settings.get<string>('model', '') ?? '').trim();
  const items: ModelPick[] = [
    { label: '$(sparkle) Automatic', description: current.source === 'auto' ? '(current)' : '', detail: 'the configured endpoint if there is one, else a VS Code model that accepts images', value: { source: 'auto', vscodeModel: '' } },
    baseUrl || modelName
      ? { label: `$(globe) Endpoint: ${modelName || '(no model named)'}`, description: `${displayURL(baseUrl) || '(no base URL)'}${current.source === 'endpoint' ? ' (current)' : ''}`, detail: 'OpenAI-compatible endpoint from "recode.baseUrl" / "recode.model"; the key from "RECODE: Set API key"', value: { source: 'endpoint' } }
      : { label: '$(globe) Endpoint: not configured', detail: 'set "recode.baseUrl" and "recode.model" in Settings first', refuse: 'endpoint' },
    { label: 'VS Code language models', kind: vscode.QuickPickItemKind.Separator },
  ];
  if (all.length === 0) items.push({ label: '$(info) none available', detail: 'sign in to GitHub Copilot or install a language model provider extension', refuse: 'none' });
  for (const c of all) {
    const images = acceptsImages(c);
    const id = `${c.vendor}/${c.id}`;
    const isCurrent = current.source === 'vscode' && current.vscodeModel !== '' && matchesVscodeModel(c, current.vscodeModel);
    items.push({
      label: `${images === false ? '$(circle-slash)' : '$(eye)'} ${c.name || c.id}`,
      description: `${id}${isCurrent ? ' (current)' : ''}`,
      detail: images === true ? 'accepts images' : images === false ? 'does not accept images — cannot derender' : 'image input unknown — RECODE will try and report a refusal',
      value: images === false ? undefined : { source: 'vscode', vscodeModel: id },
      refuse: images === false ? `${id} does not accept images; derendering needs a model that sees the chart.` : undefined,
    });
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'RECODE: Choose model', placeHolder: 'The model that derenders charts', matchOnDescription: true, matchOnDetail: true });
  if (!picked) return undefined;
  if (!picked.value) {
    if (picked.refuse === 'endpoint') void vscode.commands.executeCommand('workbench.action.openSettings', 'recode.baseUrl');
    else if (picked.refuse && picked.refuse !== 'none') void showWarning(`RECODE: ${picked.refuse}`);
    return undefined;
  }
  const r = await remember(picked.value);
  void showInfo(`RECODE: derendering with ${r.source === 'vscode' ? r.vscodeModel : r.source === 'endpoint' ? 'the configured endpoint' : 'the automatic choice'}.`);
  return r;
}
