/**
 * The prompts of the loop. Each system message starts with a marker `[recode:<purpose>]` so logs,
 * run records and scripted test servers can tell the requests apart.
 */
import type { ChatMessage, DiagramKind, Score } from './types';

export const MARKER = {
  generate: '[recode:generate]',
  refine: '[recode:refine]',
  critic: '[recode:critic]',
  answer: '[recode:answer]',
} as const;

const RULES = (w: number, h: number) => `Rules for the program:
- Python 3 with matplotlib (and numpy if needed); no files, no network, no input().
- Create the figure at exactly ${w}×${h} pixels: fig = plt.figure(figsize=(${(w / 100).toFixed(2)}, ${(h / 100).toFixed(2)}), dpi=100).
- Hard-code every value you read from the image in plain Python lists near the top of the program
  (e.g. labels = [...], values = [...]); never use random numbers, fitted distributions or made-up data.
- Reproduce the layout, axis limits and ticks, labels, titles, legend, colours and marker styles.
- Do not call plt.show() or savefig(); the figure is saved for you.
- Reply with ONE fenced \`\`\`python code block holding the complete program.`;

const CHART_STEPS = `Work coarse to fine:
1. Layout: how many subplots, their arrangement and sizes.
2. For each subplot: chart type, axes (limits, scale, ticks, tick labels), axis titles, title, legend.
3. The data marks: read each bar height / point / line vertex / slice as precisely as you can against
   the axis ticks (interpolate between gridlines), and write the numbers down.`;

const GEOMETRY_STEPS = `This is a geometry diagram. Work coarse to fine:
1. The points: give every labelled point coordinates that reproduce the picture (keep given lengths
   and angles exact where the diagram states them).
2. The segments, circles, arcs and angle marks between them, then the labels next to the points.
3. Draw with matplotlib (ax.plot for segments, patches.Circle/Arc), equal aspect, axes hidden.`;

function steps(kind: DiagramKind): string {
  if (kind === 'geometry') return GEOMETRY_STEPS;
  if (kind === 'chart') return CHART_STEPS;
  return `${CHART_STEPS}\n(If the image is a geometry diagram rather than a chart, recover point coordinates, segments and\ncircles instead, with equal aspect and hidden axes.)`;
}

export interface GenerateContext {
  imageDataUrl: string;
  width: number;
  height: number;
  question?: string;
  kind: DiagramKind;
  ocrText?: string;
}

export function generateMessages(c: GenerateContext): ChatMessage[] {
  const system = `${MARKER.generate} You are an expert at reading charts and diagrams and redrawing them exactly with matplotlib.
Write a Python program that redraws the given image as faithfully as possible, so that its data can be
recovered from the program.
${steps(c.kind)}
${RULES(c.width, c.height)}`;
  const text = [
    `Redraw this image (${c.width}×${c.height} px) as a matplotlib program.`,
    c.ocrText ? ocrBlock(c.ocrText) : '',
    c.question ? `The program will be used to answer: "${c.question}" — make sure the values it needs are exact.` : '',
  ].filter(Boolean).join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: [{ type: 'text', text }, { type: 'image', dataUrl: c.imageDataUrl }] },
  ];
}

/**
 * The image's text read by OCR, with where each piece sits (as the paper gives it to the model):
 * labels, ticks and units to copy exactly instead of guessing from pixels.
 */
export function ocrBlock(ocrText: string): string {
  const text = ocrText.trim().slice(0, 6000);
  return `OCR of the image — its text with where each piece sits (OCR can misread; where they differ, the image decides):\n${text}\nUse these labels, tick values and titles exactly where they match the image.`;
}

export interface RefineContext {
  originalDataUrl: string;
  renderDataUrl: string;
  diffDataUrl: string;
  program: string;
  score: Score;
  width: number;
  height: number;
  kind: DiagramKind;
  critiqueNotes?: string;
}

export function refineMessages(c: RefineContext): ChatMessage[] {
  const system = `${MARKER.refine} You improve matplotlib programs that redraw an image, until the redraw matches the original.
You see: the ORIGINAL image, the current program's RENDER, and a DIFF heat-map (red = where they differ).
Find what differs (values, positions, axis limits, colours, missing or extra marks, text) and fix it.
Keep what already matches.
${RULES(c.width, c.height)}`;
  const parts = Object.entries(c.score.parts).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
  const text = `Current similarity score ${c.score.score.toFixed(3)} (1 = identical; ${parts}).
${c.critiqueNotes ? `A reviewer noted: ${c.critiqueNotes}\n` : ''}Current program:
\`\`\`python
${c.program.trim()}
\`\`\`
Images follow in this order: ORIGINAL, RENDER, DIFF. Return the improved complete program.`;
  return [
    { role: 'system', content: system },
    {
      role: 'user',
      content: [
        { type: 'text', text },
        { type: 'image', dataUrl: c.originalDataUrl },
        { type: 'image', dataUrl: c.renderDataUrl },
        { type: 'image', dataUrl: c.diffDataUrl },
      ],
    },
  ];
}

export interface CriticContext {
  originalDataUrl: string;
  renders: { id: string; dataUrl: string }[];
}

export function criticMessages(c: CriticContext): ChatMessage[] {
  const system = `${MARKER.critic} You judge how faithfully redraws reproduce an original chart or diagram: the data
(values, positions, counts), then the chart type, axes and labels, then style. Ignore font differences.`;
  const content: ChatMessage['content'] = [
    { type: 'text', text: 'ORIGINAL:' },
    { type: 'image', dataUrl: c.originalDataUrl },
  ];
  for (const r of c.renders) {
    content.push({ type: 'text', text: `REDRAW ${r.id}:` }, { type: 'image', dataUrl: r.dataUrl });
  }
  content.push({
    type: 'text',
    text: `Rank the redraws from most to least faithful. Reply with JSON only:
{"ranking": [${c.renders.map((r) => `"${r.id}"`).join(', ')}], "notes": "what the best redraw still gets wrong"}`,
  });
  return [{ role: 'system', content: system }, { role: 'user', content }];
}

export interface AnswerContext {
  question: string;
  program: string;
  imageDataUrl: string;
  previousError?: string;
}

export function answerMessages(c: AnswerContext): ChatMessage[] {
  const system = `${MARKER.answer} You answer questions about a chart or diagram by computing over a program that redraws it.
The program below was recovered from the image and checked against it; its variables hold the data.
Write Python code that will run AFTER the program (its variables are in scope) and computes the answer
from them, ending with:  answer = <the answer>  (a number rounded sensibly, or a short string).
Use the image only to check which variables mean what. Do not redraw anything.
Reply with ONE fenced \`\`\`python code block, then one line "Explanation: …".`;
  const text = `Question: ${c.question}
Recovered program:
\`\`\`python
${c.program.trim()}
\`\`\`${c.previousError ? `\nYour previous computation failed with:\n${c.previousError}\nFix it.` : ''}`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: [{ type: 'text', text }, { type: 'image', dataUrl: c.imageDataUrl }] },
  ];
}
