/**
 * `recode eval MANIFEST`: derender every chart of a JSON-lines manifest and check the computed
 * answers against the expected ones. Manifest lines (the fixtures', ChartQA- or CharXiv-style):
 *   {"id": "...", "image": "rel/or/abs.png", "qa": [{"question": "...", "answer": "..."}]}
 * or flat: {"image": "...", "question": "...", "answer": "..."}.
 */
import { promises as fs } from 'node:fs';
import { parseManifest, answerMatches } from '../core/manifest';
import { dirname, resolve } from 'node:path';
import { derender, computeAnswer, errorText } from '../core/loop';
import { toDataUrl, MAX_IMAGE_BYTES } from '../core/image';
import { modelConfigFromEnv } from '../core/model/config';
import { createOpenAIModel } from '../core/model/openaiModel';
import { writeFileAtomic, freePath, readInputFile } from '../core/files';
import { chooseRenderer, type RendererChoice } from './renderers';

export async function evalCommand(
  manifestPath: string,
  o: { out?: string; candidates: number; rounds: number; limit?: number; renderer: RendererChoice; python?: string; packages?: string },
): Promise<void> {
  const cfg = modelConfigFromEnv(process.env);
  if (!cfg.config) throw new Error(cfg.problem ?? 'no model configured');
  const items = parseManifest(await fs.readFile(manifestPath, 'utf8'), dirname(resolve(manifestPath))).slice(0, o.limit);
  const model = createOpenAIModel(cfg.config);
  const renderer = await chooseRenderer(o.renderer, { pythonPath: o.python, packageDir: o.packages });
  const results: unknown[] = [];
  let correct = 0, total = 0;
  try {
    for (const item of items) {
      let image: Uint8Array;
      try {
        image = await readInputFile(item.image, 'image', MAX_IMAGE_BYTES);
      } catch (e) {
        // one unreadable image fails its questions, not the whole evaluation
        const error = errorText(e);
        total += item.qa.length;
        results.push({ id: item.id, error, answers: item.qa.map((qa) => ({ question: qa.question, expected: qa.answer, correct: false, error })) });
        process.stderr.write(`${item.id}: 0/${item.qa.length} correct (${error})\n`);
        continue;
      }
      const [first, ...rest] = item.qa;
      const outcome = await derender({ image, imageName: item.id, question: first?.question }, { model, renderer }, { candidates: o.candidates, rounds: o.rounds });
      const answers: { question: string; expected: string; got?: string; computed?: boolean; correct: boolean; error?: string }[] = [];
      if (outcome.summary) {
        const s = outcome.summary;
        if (first && s.answer) answers.push({ question: first.question, expected: first.answer, got: s.answer.value, computed: s.answer.computed, correct: answerMatches(s.answer.value, first.answer) });
        for (const qa of rest) {
          try {
            const a = await computeAnswer({
              question: qa.question,
              program: s.program,
              candidateId: s.bestCandidateId,
              score: s.score,
              imageDataUrl: toDataUrl(image),
              renderer,
              timeLimitMs: 20_000,
              callModel: (messages) => model.complete({ purpose: 'answer', messages, n: 1, temperature: 0 }),
            });
            answers.push({ question: qa.question, expected: qa.answer, got: a.value, computed: a.computed, correct: answerMatches(a.value, qa.answer) });
          } catch (e) {
            answers.push({ question: qa.question, expected: qa.answer, correct: false, error: errorText(e) });
          }
        }
      } else {
        for (const qa of item.qa) answers.push({ question: qa.question, expected: qa.answer, correct: false, error: outcome.error });
      }
      for (const a of answers) {
        total++;
        if (a.correct) correct++;
      }
      results.push({ id: item.id, score: outcome.summary?.score.score, error: outcome.error, answers });
      process.stderr.write(`${item.id}: ${answers.filter((a) => a.correct).length}/${answers.length} correct${outcome.error ? ` (${outcome.error})` : ''}\n`);
    }
  } finally {
    await renderer.dispose();
  }
  const report = { manifest: resolve(manifestPath), model: model.description, charts: items.length, questions: total, correct, accuracy: total ? correct / total : 0, results };
  if (o.out) await writeFileAtomic(await freePath(o.out), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`${correct}/${total} answers correct (${((report.accuracy) * 100).toFixed(1)} %) over ${items.length} charts\n`);
}
