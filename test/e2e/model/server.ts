/**
 * The scripted model of the e2e runs: the project's scripted OpenAI-compatible server
 * (test/support/scriptedServer.ts) with replies from the files beside this one (*.md).
 *
 *   node out/test/e2e/model/server.js --run SLOW_CHART.png [--requests-out FILE]
 *
 * prints `LISTENING <url>` and serves until SIGTERM/SIGINT. It requires the API key E2E.apiKey and
 * knows one model, E2E.model (both from ../config.ts).
 *
 * - generate: every run gets faithful, wrong, broken in that order (candidates 1, 2 and 3). A run's
 *   generate requests arrive in one burst; a pause of RUN_GAP_MS starts the next run's sequence.
 * - refine, answer, critic: one reply each, always the same.
 * - Any request whose image (the original, sent first) is SLOW_CHART waits E2E.slowDelayMs before
 *   answering: the cancel tests derender that chart, so no setting needs to change mid-session.
 * - Every generate request about E2E.hostileChart gets hostile.md: a program whose error holds a
 *   command link, so the run fails with it in its message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startScriptedServer, summarize, type RecordedRequest, type ScriptStep } from '../../support/scriptedServer';
import { E2E, repoRoot } from '../config';

const RUN_GAP_MS = 2_000;

export interface Replies {
  generate: string[];
  hostile: string;
  refine: string;
  answer: string;
  critic: string;
}

export function readReplies(dir: string): Replies {
  const reply = (name: string): string => fs.readFileSync(path.join(dir, `${name}.md`), 'utf8');
  return { generate: [reply('faithful'), reply('wrong'), reply('broken')], hostile: reply('hostile'), refine: reply('refine'), answer: reply('answer'), critic: reply('critic') };
}

/** The script: see the file comment. `slowImage` / `hostileImage`: the base64 of the charts whose replies are slow / hostile. */
export function e2eScript(replies: Replies, slowImage: string, hostileImage?: string): (req: RecordedRequest) => ScriptStep {
  let lastGenerate = 0;
  let nextCandidate = 0;
  return (req) => {
    const original = req.imageUrls[0] ?? '';
    const image = original.slice(original.indexOf(',') + 1);
    if (hostileImage !== undefined && image === hostileImage && req.purpose === 'generate') return { text: replies.hostile };
    let text: string;
    switch (req.purpose) {
      case 'generate': {
        if (req.time - lastGenerate > RUN_GAP_MS) nextCandidate = 0;
        lastGenerate = req.time;
        text = replies.generate[nextCandidate++ % replies.generate.length] as string;
        break;
      }
      case 'refine':
        text = replies.refine;
        break;
      case 'answer':
        text = replies.answer;
        break;
      case 'critic':
        text = replies.critic;
        break;
      default:
        return { status: 500, body: { error: { message: 'e2e model: a request without a [recode:PURPOSE] marker', type: 'server_error' } } };
    }
    const slow = image === slowImage;
    return slow ? { delayMs: E2E.slowDelayMs, then: { text } } : { text };
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const slowChart = args[args.indexOf('--run') + 1];
  if (!slowChart || slowChart.startsWith('--')) throw new Error('usage: server.js --run SLOW_CHART.png [--requests-out FILE]');
  const outAt = args.indexOf('--requests-out');
  const requestsOut = outAt >= 0 ? args[outAt + 1] : undefined;
  const replies = readReplies(path.join(repoRoot(__dirname), 'test', 'e2e', 'model'));
  const server = await startScriptedServer({
    script: e2eScript(
      replies,
      fs.readFileSync(slowChart).toString('base64'),
      fs.readFileSync(path.join(repoRoot(__dirname), 'test', 'fixtures', 'charts', E2E.hostileChart)).toString('base64'),
    ),
    apiKey: E2E.apiKey,
    models: [E2E.model],
  });
  process.stdout.write(`LISTENING ${server.url}\n`);
  const stop = (): void => {
    if (requestsOut) fs.writeFileSync(requestsOut, JSON.stringify(server.requests.map(summarize), null, 2));
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module && process.argv.includes('--run')) {
  main().catch((err: unknown) => {
    process.stderr.write(`e2e model server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
