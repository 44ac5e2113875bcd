/**
 * Where a run's results go: the program into a new untitled Python editor whose "Save" goes to
 * `<image>.recode.py` next to the image (or `<image>.recode-2.py` … when that exists: nothing the
 * user has is ever overwritten), data exports into untitled CSV/JSON editors the same way, run
 * records into the extension's storage.
 */
import * as vscode from 'vscode';
import { programFileName } from './programText';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function dirOf(uri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(uri, '..');
}

/** `dir/name.ext`, else `dir/name-2.ext` … — the first name no file has and no open document uses. */
export async function freeSibling(dir: vscode.Uri, name: string): Promise<vscode.Uri> {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  const openPaths = new Set(vscode.workspace.textDocuments.map((d) => d.uri.path));
  for (let i = 1; i < 1000; i++) {
    const candidate = vscode.Uri.joinPath(dir, i === 1 ? name : `${stem}-${i}${ext}`);
    if (!openPaths.has(candidate.path) && !(await exists(candidate))) return candidate;
  }
  throw new Error(`no free file name for ${name} in ${dir.path}`);
}

/**
 * Opens `content` in a new untitled editor whose save target is `target` (a file that does not
 * exist). Falls back to a plain untitled editor where the image's folder is not a file system
 * VS Code can save into.
 */
export async function openUntitled(target: vscode.Uri | undefined, content: string, language: string, column?: vscode.ViewColumn): Promise<vscode.TextEditor> {
  let doc: vscode.TextDocument;
  if (target && target.scheme !== 'untitled') {
    try {
      // The language follows from the file name (.py, .json, .csv).
      doc = await vscode.workspace.openTextDocument(target.with({ scheme: 'untitled' }));
    } catch {
      doc = await openPlain(language);
    }
  } else {
    doc = await openPlain(language);
  }
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: column ?? vscode.ViewColumn.Active, preview: false });
  const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
  await editor.edit((b) => b.replace(whole, content));
  editor.selection = new vscode.Selection(0, 0, 0, 0);
  return editor;
}

async function openPlain(language: string): Promise<vscode.TextDocument> {
  const known = await vscode.languages.getLanguages();
  return vscode.workspace.openTextDocument({ language: known.includes(language) ? language : 'plaintext', content: '' });
}

export async function openProgramEditor(imageUri: vscode.Uri | undefined, imageName: string, text: string, column?: vscode.ViewColumn): Promise<vscode.TextEditor> {
  const target = imageUri && imageUri.scheme !== 'untitled' ? await freeSibling(dirOf(imageUri), programFileName(imageName)).catch(() => undefined) : undefined;
  return openUntitled(target, text, 'python', column);
}

export async function openDataEditor(imageUri: vscode.Uri | undefined, imageName: string, content: string, format: 'csv' | 'json'): Promise<vscode.TextEditor> {
  const target = imageUri ? await freeSibling(dirOf(imageUri), programFileName(imageName, format)).catch(() => undefined) : undefined;
  return openUntitled(target, content, format === 'csv' ? 'csv' : 'json');
}

/** Writes a run record into the extension's storage (temp file + rename); returns where. */
export async function saveRunRecord(storage: vscode.Uri, runId: string, json: string): Promise<vscode.Uri> {
  const dir = vscode.Uri.joinPath(storage, 'runs');
  await vscode.workspace.fs.createDirectory(dir);
  const safe = runId.replace(/[^A-Za-z0-9_.-]/g, '_');
  const target = await freeSibling(dir, `${safe}.json`);
  const tmp = vscode.Uri.joinPath(dir, `.${safe}.${Date.now()}.tmp`);
  await vscode.workspace.fs.writeFile(tmp, new TextEncoder().encode(json));
  await vscode.workspace.fs.rename(tmp, target, { overwrite: false });
  return target;
}
