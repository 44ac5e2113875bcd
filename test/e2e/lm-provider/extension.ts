/**
 * Test-only extension for RECODE's e2e suites: a language model provider (vendor 'recode-e2e-fake')
 * registered through the stable Language Model API, as GitHub Copilot or an Ollama / Azure /
 * Anthropic provider extension would be. It offers two models:
 *   - 'fake-text'   (capabilities.imageInput false) — listed first, so a client that ignores the
 *                   capability picks it and fails;
 *   - 'fake-vision' (family 'fake-eyes', capabilities.imageInput true) — answers with the scripted programs of
 *                   ../model/*.md: every run's generate requests get faithful → wrong → broken;
 *                   a critic request gets a ranking of the redraws it named, in their order.
 * It answers provideLanguageModelChatInformation also when `options.silent` is true (else
 * vscode.lm.selectChatModels would not see it).
 *
 * Every request is checked: the first user message's first text part carries the purpose marker
 * `[recode:PURPOSE]`, and an image part with mime type image/png whose bytes are a PNG of the
 * workspace. A request that fails a check is answered with an error (the run fails loudly) and the
 * problem is recorded.
 *
 * Commands for the suites: recodeFakeLm.setMode(mode) (from the palette: "RECODE e2e: Set fake model mode") with mode 'normal' | 'NoPermissions' |
 * 'Blocked' | 'NotFound' | 'quota' | 'nocode' | 'slow' (waits until cancelled), or `mode@purpose` for
 * requests of that purpose only; recodeFakeLm.requests()
 * → the requests seen; recodeFakeLm.reset(). The requests are also written to the file of the setting
 * recodeFakeLm.requestsFile (the UI suite reads it).
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';

export type FakeMode = 'normal' | 'NoPermissions' | 'Blocked' | 'NotFound' | 'quota' | 'nocode' | 'slow';
/** A mode, or `mode@purpose`: the mode for requests of that purpose only, the others answered normally. */
export type FakeModeSetting = FakeMode | `${FakeMode}@${'generate' | 'refine' | 'critic' | 'answer'}`;

export interface FakeRequest {
  seq: number;
  model: string;
  mode: FakeModeSetting;
  purpose?: string;
  /** Per image part: mime type, byte length, sha256, and the workspace file it equals (if any). */
  images: Array<{ mime: string; bytes: number; sha256: string; file?: string }>;
  /** The justification is not passed to providers; the options the provider got. */
  modelOptions?: Record<string, unknown>;
  problems: string[];
  cancelled: boolean;
  /** A critic request: the redraw ids its text named, in order. */
  critic?: { ids: string[] };
  /** What the provider did: 'answered' | 'threw <code>' | 'rejected'. */
  outcome: string;
  startedAt: number;
  endedAt?: number;
}

/** The critic's notes start with this (the in-host suite looks for them in the refine request). */
const CRITIC_NOTE = 'fake vision critic: the bars look right';
const MARKER = /^\[recode:(generate|refine|critic|answer)\]/;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RUN_GAP_MS = 2_000;

const MODELS: vscode.LanguageModelChatInformation[] = [
  { id: 'fake-text', name: 'Fake Text (no images)', family: 'fake-words', version: '1', maxInputTokens: 100_000, maxOutputTokens: 8_000, capabilities: { imageInput: false } },
  { id: 'fake-vision', name: 'Fake Vision', family: 'fake-eyes', version: '1', maxInputTokens: 100_000, maxOutputTokens: 8_000, capabilities: { imageInput: true } },
];

export function activate(context: vscode.ExtensionContext): void {
  const reply = (name: string): string => fs.readFileSync(path.join(context.extensionPath, 'replies', `${name}.md`), 'utf8');
  const replies = { generate: [reply('faithful'), reply('wrong'), reply('broken')], refine: reply('refine'), answer: reply('answer') };
  let mode: FakeModeSetting = 'normal';
  const requests: FakeRequest[] = [];
  let lastGenerate = 0;
  let nextCandidate = 0;
  let savedEndpoint: { baseUrl: unknown; model: unknown; modelSource: unknown } | undefined;

  const save = (): void => {
    const file = vscode.workspace.getConfiguration('recodeFakeLm').get<string>('requestsFile', '');
    if (file) {
      try {
        fs.writeFileSync(file, JSON.stringify(requests, null, 2));
      } catch {
        // the suites see the requests through the command as well
      }
    }
  };

  /** sha256 → file name of the workspace's images (the charts the suites derender). */
  const workspaceImages = (): Map<string, string> => {
    const m = new Map<string, string>();
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      for (const name of fs.readdirSync(f.uri.fsPath)) {
        if (/\.png$/i.test(name)) m.set(createHash('sha256').update(fs.readFileSync(path.join(f.uri.fsPath, name))).digest('hex'), name);
      }
    }
    return m;
  };

  const provider: vscode.LanguageModelChatProvider = {
    provideLanguageModelChatInformation(_options) {
      // The same list whether silent or not: there is nothing to sign in to.
      return MODELS;
    },

    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const rec: FakeRequest = { seq: requests.length + 1, model: model.id, mode, images: [], problems: [], cancelled: false, outcome: '', startedAt: Date.now(), modelOptions: options.modelOptions };
      requests.push(rec);
      token.onCancellationRequested(() => {
        rec.cancelled = true;
        save();
      });
      try {
        // --- the checks -----------------------------------------------------------------------
        const first = messages[0];
        if (!first || first.role !== vscode.LanguageModelChatMessageRole.User) rec.problems.push('the first message is not a user message');
        const firstText = first?.content.find((p): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart || (typeof p === 'object' && p !== null && typeof (p as { value?: unknown }).value === 'string'));
        const m = MARKER.exec(firstText?.value ?? '');
        if (!m) rec.problems.push(`the first text part does not start with a [recode:PURPOSE] marker: ${JSON.stringify((firstText?.value ?? '').slice(0, 60))}`);
        else rec.purpose = m[1];
        const known = workspaceImages();
        for (const msg of messages) {
          for (const p of msg.content) {
            const data = p instanceof vscode.LanguageModelDataPart ? p : typeof p === 'object' && p !== null && (p as { data?: unknown }).data instanceof Uint8Array ? (p as vscode.LanguageModelDataPart) : undefined;
            if (!data) continue;
            const bytes = data.data;
            const sha256 = createHash('sha256').update(bytes).digest('hex');
            rec.images.push({ mime: data.mimeType, bytes: bytes.length, sha256, file: known.get(sha256) });
          }
        }
        if (rec.images.length === 0) rec.problems.push('the request carries no image');
        else {
          const img = rec.images[0]!;
          if (img.mime !== 'image/png') rec.problems.push(`the image's mime type is ${img.mime}, not image/png`);
          if (!img.file) rec.problems.push(`the first image (${img.bytes} bytes) is none of the workspace's PNG files`);
        }
        const d = messages.flatMap((msg) => msg.content).find((p) => p instanceof vscode.LanguageModelDataPart) as vscode.LanguageModelDataPart | undefined;
        if (d && !PNG_SIGNATURE.every((b, i) => d.data[i] === b)) rec.problems.push('the image bytes do not start with the PNG signature');
        if (model.id !== 'fake-vision') rec.problems.push(`a request went to ${model.id}, which does not accept images`);
        if (rec.problems.length > 0) {
          rec.outcome = 'rejected';
          throw new Error(`fake provider: bad request — ${rec.problems.join('; ')}`);
        }

        // --- the mode -------------------------------------------------------------------------
        const [modeName, onlyFor] = mode.split('@') as [FakeMode, string | undefined];
        const now: FakeMode = onlyFor && onlyFor !== rec.purpose ? 'normal' : modeName;
        switch (now) {
          case 'NoPermissions':
            rec.outcome = 'threw NoPermissions';
            throw vscode.LanguageModelError.NoPermissions('The user did not allow this extension to use the fake model.');
          case 'Blocked':
            rec.outcome = 'threw Blocked';
            throw vscode.LanguageModelError.Blocked('Too many requests from this extension.');
          case 'NotFound':
            rec.outcome = 'threw NotFound';
            throw vscode.LanguageModelError.NotFound('The model fake-vision was removed.');
          case 'quota':
            rec.outcome = 'threw quota';
            throw vscode.LanguageModelError.Blocked('You have exceeded your monthly quota of premium requests.');
          case 'slow':
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, 180_000);
              token.onCancellationRequested(() => {
                clearTimeout(t);
                resolve();
              });
            });
            rec.outcome = token.isCancellationRequested ? 'cancelled' : 'answered late';
            return;
        }
        let text: string;
        if (now === 'nocode') text = 'I am sorry, I cannot help with redrawing this image.';
        else if (rec.purpose === 'generate') {
          if (rec.startedAt - lastGenerate > RUN_GAP_MS) nextCandidate = 0;
          lastGenerate = rec.startedAt;
          text = replies.generate[nextCandidate++ % replies.generate.length]!;
        } else if (rec.purpose === 'critic') {
          // A critic ranks the redraws it was shown, in the order shown (as a model that likes none
          // better than another would), and says so: the notes must reach the refine prompt.
          const ids = [...messages.flatMap((msg) => msg.content).map((p) => (typeof (p as { value?: unknown }).value === 'string' ? (p as { value: string }).value : '')).join('\n').matchAll(/REDRAW (\S+):/g)].map((x) => x[1]!);
          rec.critic = { ids };
          text = JSON.stringify({ ranking: ids, notes: `${CRITIC_NOTE} (${ids.length} redraw${ids.length === 1 ? '' : 's'} seen)` });
        } else text = replies[rec.purpose as 'refine' | 'answer'];
        // Streamed in pieces, as a real provider does.
        for (let i = 0; i < text.length; i += 40) {
          if (token.isCancellationRequested) break;
          progress.report(new vscode.LanguageModelTextPart(text.slice(i, i + 40)));
          if (i % 400 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        rec.outcome = token.isCancellationRequested ? 'cancelled' : 'answered';
      } finally {
        rec.endedAt = Date.now();
        save();
      }
    },

    async provideTokenCount(_model, text) {
      const s = typeof text === 'string' ? text : text.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : p instanceof vscode.LanguageModelDataPart ? ' '.repeat(340) : '')).join('');
      // about four characters a token; an image counts 85
      return Math.ceil(s.length / 4);
    },
  };

  context.subscriptions.push(
    vscode.lm.registerLanguageModelChatProvider('recode-e2e-fake', provider),
    vscode.commands.registerCommand('recodeFakeLm.setMode', (m: FakeModeSetting) => {
      mode = m ?? 'normal';
      return mode;
    }),
    vscode.commands.registerCommand('recodeFakeLm.pickMode', async () => {
      const modes: FakeMode[] = ['normal', 'NoPermissions', 'Blocked', 'NotFound', 'quota', 'nocode', 'slow'];
      const m = await vscode.window.showQuickPick(modes, { title: 'Fake model mode' });
      if (m) mode = m as FakeMode;
      return mode;
    }),
    // The UI suite empties (and later restores) RECODE's endpoint settings through VS Code's configuration
    // service, as the Settings editor does: an edit of settings.json on disk is not always noticed in time.
    // 'no model': the endpoint emptied AND recode.modelSource = endpoint, so no VS Code model is used
    // either (this provider's models stay installed): RECODE then has no model at all.
    vscode.commands.registerCommand('recodeFakeLm.endpointSettings', async (arg?: 'empty' | 'no model' | 'restore') => {
      const what = arg ?? (await vscode.window.showQuickPick(['empty', 'no model', 'restore'], { title: 'RECODE endpoint settings' }));
      const c = vscode.workspace.getConfiguration('recode');
      if (what === 'empty' || what === 'no model') {
        savedEndpoint ??= { baseUrl: c.inspect('baseUrl')?.globalValue, model: c.inspect('model')?.globalValue, modelSource: c.inspect('modelSource')?.globalValue };
        await c.update('baseUrl', '', vscode.ConfigurationTarget.Global);
        await c.update('model', '', vscode.ConfigurationTarget.Global);
        if (what === 'no model') await c.update('modelSource', 'endpoint', vscode.ConfigurationTarget.Global);
      } else if (what === 'restore' && savedEndpoint) {
        await c.update('baseUrl', savedEndpoint.baseUrl, vscode.ConfigurationTarget.Global);
        await c.update('model', savedEndpoint.model, vscode.ConfigurationTarget.Global);
        await c.update('modelSource', savedEndpoint.modelSource, vscode.ConfigurationTarget.Global);
        savedEndpoint = undefined;
      }
      return what;
    }),
    vscode.commands.registerCommand('recodeFakeLm.requests', () => requests.slice()),
    vscode.commands.registerCommand('recodeFakeLm.reset', () => {
      requests.length = 0;
      mode = 'normal';
      lastGenerate = 0;
      save();
    }),
  );
}

export function deactivate(): void {
  // nothing to stop
}
