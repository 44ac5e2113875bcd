/**
 * Benchmark manifests (JSON lines) and answer checking, shared by `recode eval` and bench/.
 *   {"id": "...", "image": "rel/or/abs.png", "qa": [{"question": "...", "answer": "..."}]}
 * or flat ChartQA style: {"image": "...", "question": "...", "answer": "..."}.
 */
import { resolve } from 'node:path';

export interface ManifestItem {
  id: string;
  image: string;
  qa: { question: string; answer: string }[];
}

export function parseManifest(text: string, baseDir: string): ManifestItem[] {
  const items: ManifestItem[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`manifest line ${i + 1} is not JSON`);
    }
    const image = typeof o.image === 'string' ? o.image : typeof o.imgname === 'string' ? o.imgname : undefined;
    if (!image) throw new Error(`manifest line ${i + 1} has no "image"`);
    let qa: { question: string; answer: string }[] = [];
    if (Array.isArray(o.qa)) qa = (o.qa as { question: unknown; answer: unknown }[]).map((x) => ({ question: String(x.question), answer: String(x.answer) }));
    else if (typeof o.question === 'string') qa = [{ question: o.question, answer: String(o.answer ?? o.label ?? '') }];
    items.push({ id: typeof o.id === 'string' ? o.id : `item${i + 1}`, image: resolve(baseDir, image), qa });
  });
  return items;
}

/** Relaxed accuracy as in ChartQA: numbers within 5 %, strings equal ignoring case and spaces. */
export function answerMatches(got: string, expected: string): boolean {
  const num = (s: string) => {
    const m = /-?\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?/.exec(s.replace(/\s/g, ''));
    return m ? Number(m[0].replace(/,/g, '')) : NaN;
  };
  const e = num(expected);
  if (!Number.isNaN(e) && /^\s*-?[\d,.]+\s*%?\s*$/.test(expected)) {
    const g = num(got);
    if (Number.isNaN(g)) return false;
    return e === 0 ? Math.abs(g) < 1e-9 : Math.abs(g - e) / Math.abs(e) <= 0.05;
  }
  const norm = (s: string) => s.toLowerCase().replace(/['"\s.]/g, '');
  return norm(got) === norm(expected);
}

