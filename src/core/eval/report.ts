/**
 * DIR/report.html: one self-contained page (images embedded, no network): the summary table and a
 * chart of accuracy per mode with its 95 % interval, then every image with its original, the best
 * render, the diff and the program, and each question's answers per mode, right or wrong. Filters
 * show the questions recode got right and direct wrong, and the reverse. Everything a model wrote
 * is escaped: the page shows it, never runs it.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { EvalMode, ItemLine } from './run';
import type { Summary } from './summary';
import type { Proportion } from './stats';

const MAX_EMBED_BYTES = 3 * 1024 * 1024;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ci = (p: { ci95: [number, number] }) => `${(p.ci95[0] * 100).toFixed(1)}–${(p.ci95[1] * 100).toFixed(1)}`;
const prop = (p?: Proportion) => (p && p.n > 0 ? `${pct(p.accuracy)} <small>(${p.correct}/${p.n}; ${ci(p)})</small>` : '—');

async function embed(path: string, mime = 'image/png'): Promise<string | undefined> {
  try {
    const st = await fs.stat(path);
    if (!st.isFile() || st.size > MAX_EMBED_BYTES) return undefined;
    const bytes = await fs.readFile(path);
    const type = bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : mime;
    return `data:${type};base64,${bytes.toString('base64')}`;
  } catch {
    return undefined;
  }
}

async function readText(path: string, max = 200_000): Promise<string | undefined> {
  try {
    const t = await fs.readFile(path, 'utf8');
    return t.length > max ? t.slice(0, max) + '\n… (cut)' : t;
  } catch {
    return undefined;
  }
}

function accuracyChart(summary: Summary): string {
  const modes = summary.modes.filter((m) => summary.byMode[m] && summary.byMode[m]!.n > 0);
  if (modes.length === 0) return '';
  const W = 520, rowH = 34, left = 70, plotW = 400;
  const h = modes.length * rowH + 30;
  const x = (v: number) => left + v * plotW;
  const colours: Record<EvalMode, string> = { direct: '#8c8c8c', recode: '#2b6cb0', reader: '#2f855a' };
  const bars = modes
    .map((m, i) => {
      const s = summary.byMode[m]!;
      const y = 10 + i * rowH;
      return `<g data-mode="${m}"><text x="${left - 8}" y="${y + 17}" text-anchor="end">${m}</text>
<rect x="${left}" y="${y + 4}" width="${(s.accuracy * plotW).toFixed(1)}" height="18" fill="${colours[m]}"><title>${m}: ${pct(s.accuracy)}</title></rect>
<line x1="${x(s.ci95[0]).toFixed(1)}" x2="${x(s.ci95[1]).toFixed(1)}" y1="${y + 13}" y2="${y + 13}" stroke="#000" stroke-width="1.5"/>
<line x1="${x(s.ci95[0]).toFixed(1)}" x2="${x(s.ci95[0]).toFixed(1)}" y1="${y + 8}" y2="${y + 18}" stroke="#000"/>
<line x1="${x(s.ci95[1]).toFixed(1)}" x2="${x(s.ci95[1]).toFixed(1)}" y1="${y + 8}" y2="${y + 18}" stroke="#000"/>
<text x="${(x(s.ci95[1]) + 6).toFixed(1)}" y="${y + 17}">${pct(s.accuracy)}</text></g>`;
    })
    .join('\n');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="6" y2="${h - 18}" stroke="#ddd"/><text x="${x(t)}" y="${h - 4}" text-anchor="middle">${t * 100}%</text>`)
    .join('');
  return `<svg data-testid="accuracy-chart" role="img" aria-label="accuracy per mode with 95% intervals" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-size="12" font-family="sans-serif">${ticks}${bars}</svg>`;
}

function summaryTable(summary: Summary): string {
  const rows = summary.modes
    .filter((m) => summary.byMode[m])
    .map((m) => {
      const s = summary.byMode[m]!;
      return `<tr data-mode="${m}"><th>${m}</th><td>${s.n > 0 ? prop(s) : '—'}</td><td>${prop(s.computed)}</td><td>${prop(s.stated)}</td><td>${s.exactMatch ? prop(s.exactMatch) : '—'}</td><td>${
        s.table ? `${s.table.mean.toFixed(3)} <small>(${s.table.n} tables; ${s.table.ci95[0].toFixed(3)}–${s.table.ci95[1].toFixed(3)})</small>` : '—'
      }</td><td>${s.errors}</td><td>${s.tokens.prompt + s.tokens.completion}</td><td>${s.seconds} s</td></tr>`;
    })
    .join('\n');
  return `<table data-testid="summary" class="summary"><thead><tr><th>mode</th><th>accuracy (95 % CI)</th><th>computed answers</th><th>stated answers</th><th>exact match (judged runs)</th><th>table RMS-F1</th><th>errors</th><th>tokens</th><th>time</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function groupTable(title: string, g: Summary['byBenchmark'], modes: EvalMode[], testid: string): string {
  const keys = Object.keys(g);
  if (keys.length === 0) return '';
  const head = modes.map((m) => `<th>${m}</th>`).join('');
  const rows = keys.map((k) => `<tr><th>${escapeHtml(k)}</th>${modes.map((m) => `<td>${prop(g[k][m])}</td>`).join('')}</tr>`).join('');
  return `<h3>${title}</h3><table data-testid="${testid}"><thead><tr><th></th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

export async function buildReport(summary: Summary, lines: ItemLine[], outDir: string): Promise<string> {
  const images = new Map<string, ItemLine[]>();
  for (const l of lines) {
    const xs = images.get(l.image_id) ?? [];
    xs.push(l);
    images.set(l.image_id, xs);
  }
  const sections: string[] = [];
  for (const [imageId, ls] of images) {
    const original = await embed(ls[0].image);
    const recodeRun = ls.find((l) => l.mode === 'recode' && l.run && !l.shared_run)?.run ?? ls.find((l) => l.mode === 'recode' && l.run)?.run;
    const readerRun = ls.find((l) => l.mode === 'reader' && l.run)?.run;
    const render = recodeRun ? await embed(join(outDir, recodeRun, 'render.png')) : undefined;
    const diff = recodeRun ? await embed(join(outDir, recodeRun, 'diff.png')) : undefined;
    const program = recodeRun ? await readText(join(outDir, recodeRun, 'program.py')) : undefined;
    const recovered = recodeRun ? await readText(join(outDir, recodeRun, 'data.csv')) : undefined;
    const readerCsv = readerRun ? await readText(join(outDir, readerRun, 'table.csv')) : undefined;
    const fig = (src: string | undefined, caption: string, missing: string) =>
      `<figure>${src ? `<img src="${src}" alt="${caption}">` : `<div class="missing">${missing}</div>`}<figcaption>${caption}</figcaption></figure>`;
    const questions = new Map<string, ItemLine[]>();
    for (const l of ls.filter((x) => x.kind === 'answer')) {
      const xs = questions.get(l.id) ?? [];
      xs.push(l);
      questions.set(l.id, xs);
    }
    const modes = summary.modes.filter((m) => m !== 'reader');
    const qrows = [...questions.entries()]
      .map(([qid, xs]) => {
        const by = (m: EvalMode) => xs.find((x) => x.mode === m);
        const state = (m: EvalMode) => {
          const x = by(m);
          return x ? (x.correct ? 'right' : 'wrong') : 'none';
        };
        const cells = modes
          .map((m) => {
            const x = by(m);
            if (!x) return '<td class="none">—</td>';
            const how = m === 'recode' && !x.error ? (x.computed ? '<span class="tag">computed</span>' : '<span class="tag stated">stated</span>') : '';
            const body = x.error ? `<span class="err">${escapeHtml(x.error.slice(0, 500))}</span>` : `<code>${escapeHtml((x.answer ?? '').slice(0, 500))}</code>`;
            const read = x.read_as ? ` <small>read as ${escapeHtml(x.read_as)}</small>` : '';
            return `<td class="${x.correct ? 'right' : 'wrong'}" data-mode="${m}">${x.correct ? '✓' : '✗'} ${body}${read} ${how}</td>`;
          })
          .join('');
        const q = xs[0];
        const choices = q.choices ? `<br><small>${q.choices.map((c, k) => `${'ABCDEF'[k]}. ${escapeHtml(c)}`).join(' · ')}</small>` : '';
        return `<tr data-testid="question-row" data-id="${escapeHtml(qid)}" ${modes.map((m) => `data-${m}="${state(m)}"`).join(' ')}><td>${escapeHtml(q.question ?? '')}${choices}</td><td><code>${escapeHtml(q.expected ?? '')}</code></td>${cells}</tr>`;
      })
      .join('\n');
    const tableLines = ls.filter((l) => l.kind === 'table');
    const tableInfo = tableLines
      .map((l) => `<li>${l.mode}: ${l.table_score ? `RMS-F1 ${l.table_score.f1.toFixed(3)} (precision ${l.table_score.precision.toFixed(3)}, recall ${l.table_score.recall.toFixed(3)})` : `<span class="err">${escapeHtml(l.error ?? 'no score')}</span>`}</li>`)
      .join('');
    const chartType = ls[0].chart_type ? ` · ${escapeHtml(ls[0].chart_type)}` : '';
    sections.push(`<section class="item" data-testid="item" data-image="${escapeHtml(imageId)}">
<h3>${escapeHtml(imageId)} <small>${escapeHtml(ls[0].benchmark)}${chartType}</small></h3>
<div class="figs">${fig(original, 'original', 'image not embedded')}${summary.modes.includes('recode') ? fig(render, 'best render', 'no render') + fig(diff, 'diff', 'no diff') : ''}</div>
${program ? `<details><summary>program</summary><pre>${escapeHtml(program)}</pre></details>` : ''}
${recovered ? `<details><summary>recovered data (recode)</summary><pre>${escapeHtml(recovered)}</pre></details>` : ''}
${readerCsv ? `<details><summary>reader's table</summary><pre>${escapeHtml(readerCsv)}</pre></details>` : ''}
${tableInfo ? `<ul class="tables">${tableInfo}</ul>` : ''}
${qrows ? `<table class="qs"><thead><tr><th>question</th><th>expected</th>${modes.map((m) => `<th>${m}</th>`).join('')}</tr></thead><tbody>${qrows}</tbody></table>` : ''}
</section>`);
  }
  const rvd = summary.recodeVsDirect;
  const filters = summary.modes.includes('recode') && summary.modes.includes('direct')
    ? `<div class="filters" data-testid="filters">Show: <button data-filter="all" class="on">all</button> <button data-filter="recode-only">recode right, direct wrong${rvd ? ` (${rvd.recodeOnly})` : ''}</button> <button data-filter="direct-only">direct right, recode wrong${rvd ? ` (${rvd.directOnly})` : ''}</button></div>`
    : '';
  const title = `RECODE evaluation — ${summary.input}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.summary td,.summary th{white-space:nowrap}small{color:#666}
.item{border-top:2px solid #ccc;padding:8px 0;margin-top:12px}.figs{display:flex;gap:12px;flex-wrap:wrap}
figure{margin:0}figure img{max-width:420px;max-height:320px;border:1px solid #ccc;display:block}figcaption{color:#666;font-size:12px}
.missing{width:200px;height:120px;border:1px dashed #bbb;color:#999;display:flex;align-items:center;justify-content:center}
td.right{background:#e8f6ec}td.wrong{background:#fbeaea}.err{color:#a00}.tag{font-size:11px;background:#e2e8f0;border-radius:3px;padding:0 4px}.tag.stated{background:#fde2c4}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:400px}.filters button{margin:0 4px}.filters button.on{font-weight:bold}
.hidden{display:none}
</style></head><body>
<h1>RECODE evaluation</h1>
<p data-testid="meta">Input <code>${escapeHtml(summary.input)}</code> (${escapeHtml(summary.format)}) · model ${escapeHtml(summary.model ?? '—')} · ${summary.questions} questions on ${summary.images} images · ${escapeHtml(summary.startedAt)} → ${escapeHtml(summary.finishedAt)}${summary.stopped ? ` · <b>stopped early: ${escapeHtml(summary.stopped)}</b>` : ''}${summary.skippedQuestions ? ` · ${summary.skippedQuestions} questions left out of the input (see summary.json)` : ''}</p>
<h2>Summary</h2>
${summaryTable(summary)}
${accuracyChart(summary)}
${rvd ? `<p data-testid="comparison">On the ${rvd.both + rvd.recodeOnly + rvd.directOnly + rvd.neither} questions both modes answered: both right ${rvd.both}, only recode right ${rvd.recodeOnly}, only direct right ${rvd.directOnly}, neither ${rvd.neither}.</p>` : ''}
${groupTable('By benchmark', summary.byBenchmark, summary.modes.filter((m) => m !== 'reader'), 'by-benchmark')}
${groupTable('By chart type', summary.byChartType, summary.modes.filter((m) => m !== 'reader'), 'by-chart-type')}
<h2>Items</h2>
${filters}
<div id="items">
${sections.join('\n')}
</div>
<script>
(function(){
  var buttons = document.querySelectorAll('.filters button');
  function apply(f){
    buttons.forEach(function(b){ b.classList.toggle('on', b.getAttribute('data-filter') === f); });
    document.querySelectorAll('[data-testid=item]').forEach(function(sec){
      var rows = sec.querySelectorAll('[data-testid=question-row]'); var any = false;
      rows.forEach(function(r){
        var d = r.getAttribute('data-direct'), c = r.getAttribute('data-recode');
        var show = f === 'all' || (f === 'recode-only' && c === 'right' && d === 'wrong') || (f === 'direct-only' && d === 'right' && c === 'wrong');
        r.classList.toggle('hidden', !show); any = any || show;
      });
      sec.classList.toggle('hidden', f !== 'all' && !any);
    });
  }
  buttons.forEach(function(b){ b.addEventListener('click', function(){ apply(b.getAttribute('data-filter')); }); });
})();
</script>
</body></html>
`;
}
