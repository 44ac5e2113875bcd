/**
 * The messages between the Node renderer (pyodideRenderer.ts) and its Pyodide worker thread
 * (pyodideWorker.ts). What the worker sends is parsed with the schema below before the renderer
 * uses it: the worker runs untrusted programs, so its messages are data to check.
 */
import * as z from 'zod/mini';
import type { HarnessJob } from './harness';
import type { SessionReply } from './pyodideSession';

/** Renderer → worker: the one program this worker runs. */
export type RendererToWorker = { type: 'job'; id: number; job: HarnessJob };

const workerToRenderer = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    python: z.string(),
    matplotlib: z.nullable(z.string()),
    packages: z.array(z.string()),
    packageErrors: z.array(z.string()),
    initMs: z.number(),
    /** Whether this worker instantiated the renderer's compiled module. */
    sharedWasm: z.boolean(),
  }),
  z.object({ type: z.literal('init-error'), error: z.string() }),
  /** The snapshot's bytes are checked where they are used (a wrong kind counts as a failed snapshot). */
  z.object({ type: z.literal('snapshot'), bytes: z.custom<Uint8Array>(), ms: z.number() }),
  z.object({ type: z.literal('snapshot-error'), error: z.string() }),
  /** The reply is checked by checkRenderReply, like every reply from a sandbox. */
  z.object({ type: z.literal('reply'), id: z.number(), reply: z.custom<SessionReply>(), heapMb: z.number() }),
]);

/** Worker → renderer. */
export type WorkerToRenderer = z.infer<typeof workerToRenderer>;

/** A message from the worker, or undefined when it is not one of the above. */
export function parseWorkerToRenderer(raw: unknown): WorkerToRenderer | undefined {
  const r = workerToRenderer.safeParse(raw);
  return r.success ? r.data : undefined;
}
