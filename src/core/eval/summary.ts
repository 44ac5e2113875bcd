/**
 * DIR/summary.json: accuracy per mode, per chart type and per benchmark with 95 % intervals;
 * computed and stated answers apart; table scores; tokens and time; the paired comparison of the
 * recode and direct modes on the same questions.
 */
import type { EvalMode, ItemLine } from './run';
import { mean, proportion, type Mean, type Proportion } from './stats';

export interface ModeSummary extends Proportion {
  /** Answers computed by running code over the recovered program (recode). */
  computed: Proportion;
  /** Answers the model only stated (direct, and recode's fallbacks). */
  stated: Proportion;
  errors: number;
  /** CharXiv with --judge: the normalised exact match beside the judge's verdicts. */
  exactMatch?: Proportion;
  /** RMS-F1 of the recovered tables against the data tables. */
  table?: Mean;
  tokens: { prompt: number; completion: number };
  /** Summed time of the items, seconds. */
  seconds: number;
}

export interface Summary {
  input: string;
  format: string;
  model?: string;
  modes: EvalMode[];
  startedAt: string;
  finishedAt: string;
  stopped?: string;
  questions: number;
  images: number;
  skippedQuestions: number;
  byMode: Partial<Record<EvalMode, ModeSummary>>;
  byChartType: Record<string, Partial<Record<EvalMode, Proportion>>>;
  byBenchmark: Record<string, Partial<Record<EvalMode, Proportion>>>;
  /** On the questions both answered: how often one was right where the other was wrong. */
  recodeVsDirect?: { both: number; recodeOnly: number; directOnly: number; neither: number };
}

export function summarise(lines: ItemLine[], meta: { input: string; format: string; model?: string; modes: EvalMode[]; startedAt: string; finishedAt: string; stopped?: string; skipped: number }): Summary {
  const answers = lines.filter((l) => l.kind === 'answer');
  const tables = lines.filter((l) => l.kind === 'table');
  const byMode: Summary['byMode'] = {};
  for (const mode of meta.modes) {
    const a = answers.filter((l) => l.mode === mode);
    const t = tables.filter((l) => l.mode === mode);
    if (a.length === 0 && t.length === 0) continue;
    const right = (xs: ItemLine[]) => xs.filter((l) => l.correct).length;
    const computed = a.filter((l) => l.computed === true);
    const stated = a.filter((l) => l.computed !== true && !l.error);
    const judged = a.filter((l) => l.exact !== undefined);
    const scores = t.filter((l) => l.table_score).map((l) => l.table_score!.f1);
    const all = [...a, ...t];
    const ms: ModeSummary = {
      ...proportion(right(a), a.length),
      computed: proportion(right(computed), computed.length),
      stated: proportion(right(stated), stated.length),
      errors: all.filter((l) => l.error).length,
      tokens: { prompt: all.reduce((s, l) => s + (l.tokens?.promptTokens ?? 0), 0), completion: all.reduce((s, l) => s + (l.tokens?.completionTokens ?? 0), 0) },
      seconds: Math.round(all.reduce((s, l) => s + (l.ms ?? 0), 0) / 100) / 10,
    };
    if (judged.length > 0) ms.exactMatch = proportion(judged.filter((l) => l.exact).length, judged.length);
    if (t.length > 0) ms.table = mean([...scores, ...t.filter((l) => !l.table_score).map(() => 0)]);
    byMode[mode] = ms;
  }
  const group = (key: (l: ItemLine) => string) => {
    const out: Record<string, Partial<Record<EvalMode, Proportion>>> = {};
    const keys = [...new Set(answers.map(key))].sort();
    for (const k of keys) {
      out[k] = {};
      for (const mode of meta.modes) {
        const xs = answers.filter((l) => l.mode === mode && key(l) === k);
        if (xs.length) out[k][mode] = proportion(xs.filter((l) => l.correct).length, xs.length);
      }
    }
    return out;
  };
  const summary: Summary = {
    input: meta.input,
    format: meta.format,
    model: meta.model,
    modes: meta.modes,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    stopped: meta.stopped,
    questions: new Set(answers.map((l) => l.id)).size,
    images: new Set(lines.map((l) => l.image_id)).size,
    skippedQuestions: meta.skipped,
    byMode,
    byChartType: group((l) => l.chart_type ?? 'unknown'),
    byBenchmark: group((l) => l.benchmark),
  };
  const direct = new Map(answers.filter((l) => l.mode === 'direct').map((l) => [l.id, !!l.correct]));
  const recode = answers.filter((l) => l.mode === 'recode' && direct.has(l.id));
  if (recode.length > 0) {
    const c = { both: 0, recodeOnly: 0, directOnly: 0, neither: 0 };
    for (const l of recode) {
      const d = direct.get(l.id)!;
      if (l.correct && d) c.both++;
      else if (l.correct) c.recodeOnly++;
      else if (d) c.directOnly++;
      else c.neither++;
    }
    summary.recodeVsDirect = c;
  }
  return summary;
}
