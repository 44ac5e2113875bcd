/**
 * The text of the program editor a run opens: comment lines saying where the program came from
 * (question, answer, score, source image), then the program. Pure, testable in Node.
 */
import { describeRiskyLines, MODEL_WRITTEN_LINE, riskyLines } from '../shared/riskyCalls';

export interface ProgramProvenance {
  imageName: string;
  /** The image's path as the user knows it (workspace-relative when possible). */
  imagePath?: string;
  question?: string;
  answer?: string;
  /** True when the answer was computed by running code over the program. */
  answerComputed?: boolean;
  score?: number;
  candidateId?: string;
  runId?: string;
  model?: string;
}

/** Comment-safe single line. */
function line(s: string, max = 400): string {
  const t = s.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

export function programHeader(p: ProgramProvenance): string {
  const out: string[] = [MODEL_WRITTEN_LINE, `# RECODE: a program that redraws ${line(p.imageName, 200)}`];
  if (p.question !== undefined && p.question.trim() !== '') out.push(`# Question: ${line(p.question)}`);
  if (p.answer !== undefined) out.push(`# Answer: ${line(p.answer)}${p.answerComputed === false ? ' (stated by the model, not computed)' : ''}`);
  if (p.score !== undefined) out.push(`# Score: ${p.score.toFixed(3)} (pixel critic, 1 = identical)${p.candidateId ? ` — candidate ${line(p.candidateId, 64)}` : ''}`);
  out.push(`# Source image: ${line(p.imagePath ?? p.imageName)}`);
  if (p.model) out.push(`# Model: ${line(p.model, 200)}`);
  if (p.runId) out.push(`# Run: ${line(p.runId, 64)}`);
  return out.join('\n') + '\n';
}

export function programWithHeader(program: string, p: ProgramProvenance): string {
  let head = programHeader(p);
  const risky = riskyLines(program);
  // Line numbers as the editor shows them: the header, a blank line, then the program.
  if (risky.length > 0) head += `# Review before running — files, processes, network or dynamic code: ${describeRiskyLines(risky, head.split('\n').length + 1)}\n`;
  return `${head}\n${program.replace(/\s+$/, '')}\n`;
}

/** `chart.png` → `chart.recode.py` (next to the image). */
export function programFileName(imageName: string, ext = 'py'): string {
  const stem = imageName.replace(/\.(png|jpe?g|webp)$/i, '');
  return `${stem}.recode.${ext}`;
}
