/**
 * The run record: every model call, render and score of a run, as JSON that can be saved, replayed
 * and diffed. Images are referenced by their sha256 (and byte size), not embedded, so records stay
 * small; the CLI writes the renders beside the record.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSpaceStep } from './refine/dataSpace';
import type { DataFit } from './dataFit';
import type {
  Answer,
  CandidateSource,
  ChatMessage,
  DerenderOptions,
  ModelPurpose,
  RenderErrorKind,
  Score,
  TokenUsage,
} from './types';
import type { ReadRecord } from './read';
import type { CriticRecord } from './critic/critic';

export interface ModelCallRecord {
  purpose: ModelPurpose;
  startedAt: string;
  durationMs: number;
  n: number;
  temperature?: number;
  /** The request's messages with images replaced by `<image sha256:… N bytes>`. */
  messages: { role: string; content: string }[];
  replies?: string[];
  error?: string;
  usage?: TokenUsage;
}

export interface CandidateRecord {
  id: string;
  round: number;
  source: CandidateSource;
  parentId?: string;
  code?: string;
  error?: string;
  render?: {
    ok: boolean;
    durationMs: number;
    error?: string;
    errorKind?: RenderErrorKind;
    stdout?: string;
    pngSha256?: string;
  };
  score?: Score;
}

export interface RunRecord {
  version: 1;
  runId: string;
  startedAt: string;
  finishedAt?: string;
  status: 'running' | 'finished' | 'failed' | 'cancelled';
  image: { name?: string; width: number; height: number; sha256: string; bytes: number };
  question?: string;
  options: DerenderOptions;
  model?: string;
  renderer: string;
  modelCalls: ModelCallRecord[];
  candidates: CandidateRecord[];
  rounds: { round: number; bestCandidateId: string; bestScore: number; improved: boolean }[];
  /** What the built-in chart reader read (the whole reading: axes, texts, marks), or why it could not. */
  reading?: ReadRecord;
  /** What the critic compared: data and pixels, or pixels alone and why (no reading of the original, no marks reported). */
  critic?: CriticRecord;
  /** The numeric refinement: which search ran, renders it used, scores before and after, values changed. */
  numeric?: {
    search: 'local' | 'global' | 'none';
    rendersUsed: number;
    startScore: number;
    endScore: number;
    changes: number;
    kept?: string;
    /** Layout, values from the reading, polish: what each did and whether it was kept. */
    steps?: DataSpaceStep[];
    /** Values within 2 % of the axis range by the reading, before and after. */
    seedFit?: DataFit;
    fit?: DataFit;
  };
  bestCandidateId?: string;
  answer?: Answer;
  error?: string;
  usage: TokenUsage;
  renders: number;
}

export function newRunId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${d}-${randomBytes(3).toString('hex')}`;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Messages as they go into the record: text kept, images as a reference. */
export function summariseMessages(messages: ChatMessage[]): { role: string; content: string }[] {
  return messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : m.content
            .map((p) => {
              if (p.type === 'text') return p.text;
              const b64 = p.dataUrl.slice(p.dataUrl.indexOf(',') + 1);
              const bytes = Buffer.from(b64, 'base64');
              return `<image sha256:${sha256(bytes).slice(0, 16)} ${bytes.length} bytes>`;
            })
            .join('\n'),
  }));
}

export function runRecordToJson(r: RunRecord): string {
  return JSON.stringify(r, null, 2) + '\n';
}

/** Reads a record back, checking it is one. */
export function parseRunRecord(json: string): RunRecord {
  const r = JSON.parse(json) as Partial<RunRecord>;
  if (r.version !== 1 || typeof r.runId !== 'string' || !Array.isArray(r.candidates)) {
    throw new Error('not a RECODE run record (version 1)');
  }
  return r as RunRecord;
}
