/**
 * The progress display of `recode derender`: one live status line on a terminal, plain lines
 * otherwise (logs, CI), nothing with --json but errors. What the model wrote (answers, errors that
 * quote it) is printed with its control characters made visible, never obeyed.
 */
import type { RunEvent } from '../core/types';
import { visible } from '../core/text';

export class Progress {
  private readonly tty: boolean;
  private line = '';
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {
    this.tty = !!out.isTTY && !quiet;
  }

  event(e: RunEvent): void {
    switch (e.type) {
      case 'run-started':
        return this.print(`run ${e.runId}: ${e.image.width}×${e.image.height} image${e.question ? `, question: ${e.question}` : ''}`);
      case 'stage':
        return this.status(e.message);
      case 'candidate-generated':
        if (e.candidate.state !== 'failed') this.status(`${e.candidate.id}: program received (${e.candidate.source})`);
        return;
      case 'candidate-scored':
        return this.print(`  ${e.candidateId}: score ${e.score.score.toFixed(3)}`);
      case 'candidate-failed':
        return this.print(`  ${e.candidateId}: failed at ${e.stage}: ${e.error.split('\n')[0]}`);
      case 'best-changed':
        return this.print(`  best: ${e.candidateId} (${e.score.score.toFixed(3)})`);
      case 'round-finished':
        return this.print(`round ${e.round}: best ${e.bestCandidateId} ${e.bestScore.toFixed(3)}${e.round > 0 ? (e.improved ? ' (improved)' : ' (no improvement)') : ''}`);
      case 'critique':
        return this.print(`  model critic: ${e.critique.ranking.join(' > ')}`);
      case 'answer':
        return this.print(`answer: ${e.answer.value}${e.answer.computed ? ' (computed)' : ' (not computed)'}`);
      case 'log':
        return this.print(`  ${e.level}: ${e.message}`);
      case 'run-failed':
        return this.print(e.cancelled ? 'cancelled' : `failed: ${e.error}`);
      case 'reading':
        return this.print(`read: ${e.reading.chart_type}, ${e.reading.series.length} series, ${e.reading.series.reduce((n, x) => n + x.points.length, 0)} values, confidence ${e.reading.confidence.toFixed(2)}`);
      case 'reading-failed':
        return this.print(`read: ${e.reason}`);
      default:
        return;
    }
  }

  note(s: string): void {
    this.print(s);
  }

  done(): void {
    this.clear();
  }

  private status(s: string): void {
    if (this.quiet) return;
    const t = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.tty) {
      this.clear();
      this.line = `[${t}s] ${visible(s, { oneLine: true })}`.slice(0, (this.out.columns || 100) - 1);
      this.out.write(this.line);
    } else {
      this.out.write(`[${t}s] ${visible(s, { oneLine: true })}\n`);
    }
  }

  private print(s: string): void {
    if (this.quiet) return;
    this.clear();
    this.out.write(visible(s) + '\n');
  }

  private clear(): void {
    if (this.tty && this.line) {
      this.out.write('\r\x1b[K');
      this.line = '';
    }
  }
}
