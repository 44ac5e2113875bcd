/**
 * Starts a scripted OpenAI-compatible server from a JSON script file, for rigs that run it as a
 * separate Node process:
 *
 *   node out/test/support/scriptedServerMain.js SCRIPT.json [--port N] [--requests-out FILE]
 *
 * SCRIPT.json is either
 *   { "byPurpose": { "generate": [STEP…], "refine": [STEP…], "answer": STEP }, "apiKey"?: "…", "models"?: ["…"] }
 *   { "steps": [STEP…], … }            (one queue for every request)
 *   { "generate": [STEP…], … }         (a bare purpose map)
 * where a STEP is a ScriptStep of scriptedServer.ts (an array is consumed in order; a single step
 * object repeats forever). Hostile steps are plain JSON too: {"flood": {"unit": "`", "bytes": 5000000}}
 * (a backtick flood), {"flood": {"unit": "x"}} (a stream that never ends). Prints one line `LISTENING <url>` on stdout, then serves until SIGTERM
 * or SIGINT. With --requests-out, the recorded requests (without image data) are written there
 * as JSON on exit. GET <url minus /v1>/_recode/requests returns them while it runs.
 */
import * as fs from 'node:fs';
import { byPurpose, startScriptedServer, summarize, PURPOSES, type PurposeScript, type ScriptFn, type ScriptStep } from './scriptedServer';

interface ScriptFile {
  byPurpose?: Record<string, PurposeScript>;
  steps?: ScriptStep[];
  apiKey?: string;
  models?: string[];
}

function fail(message: string): never {
  process.stderr.write(`scriptedServerMain: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args[0];
  if (file === undefined || file.startsWith('--')) {
    fail('usage: scriptedServerMain SCRIPT.json [--port N] [--requests-out FILE]');
  }
  let port: number | undefined;
  let requestsOut: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--port') port = Number(args[++i]);
    else if (a === '--requests-out') requestsOut = args[++i];
    else fail(`unknown argument '${a ?? ''}'`);
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) fail('--port needs a port number');

  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read the script ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) fail(`the script ${file} is not a JSON object or array`);

  let script: ScriptFn | ScriptStep[];
  let apiKey: string | undefined;
  let models: string[] | undefined;
  if (Array.isArray(parsed)) {
    script = parsed as ScriptStep[];
  } else {
    const obj = parsed as ScriptFile & Record<string, unknown>;
    apiKey = obj.apiKey;
    models = obj.models;
    if (obj.byPurpose) script = byPurpose(obj.byPurpose);
    else if (obj.steps) script = obj.steps;
    else {
      const map: Record<string, PurposeScript> = {};
      for (const key of [...PURPOSES, 'other']) {
        const v = obj[key];
        if (v !== undefined) map[key] = v as PurposeScript;
      }
      if (Object.keys(map).length === 0) fail(`the script ${file} has no "byPurpose", "steps" or purpose keys (${PURPOSES.join(', ')})`);
      script = byPurpose(map);
    }
  }

  const server = await startScriptedServer({ script, apiKey, models, port });
  process.stdout.write(`LISTENING ${server.url}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (requestsOut) {
      try {
        fs.writeFileSync(requestsOut, JSON.stringify(server.requests.map(summarize), null, 2));
      } catch (err) {
        process.stderr.write(`scriptedServerMain: cannot write ${requestsOut}: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
