/**
 * Which image a command works on: the one given, else the image open in VS Code's image preview,
 * else one the user picks from the workspace.
 */
import * as vscode from 'vscode';
import { readInputFile } from '../core/files';

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp'];
export const IMAGE_GLOB = '**/*.{png,PNG,jpg,JPG,jpeg,JPEG,webp,WEBP}';
/** Larger files are refused before reading (the engine refuses huge images too). */
export const MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024;

export function isImageUri(uri: vscode.Uri): boolean {
  const m = /\.([A-Za-z]+)$/.exec(uri.path);
  return !!m && IMAGE_EXTENSIONS.includes(m[1].toLowerCase());
}

export function fileName(uri: vscode.Uri): string {
  const parts = uri.path.split('/');
  return parts[parts.length - 1] || uri.path;
}

/** The image shown in the active editor group's image preview, if any. */
export function activeImage(): vscode.Uri | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  const input = tab?.input;
  if (input instanceof vscode.TabInputCustom && isImageUri(input.uri)) return input.uri;
  if (input instanceof vscode.TabInputText && isImageUri(input.uri)) return input.uri;
  return undefined;
}

/** The image to work on, asking the user when there is no obvious one. Undefined: the user dismissed the pick. */
export async function resolveImage(given: unknown, title: string): Promise<vscode.Uri | undefined> {
  if (given instanceof vscode.Uri) return given;
  if (typeof given === 'string' && given !== '') return given.includes('://') ? vscode.Uri.parse(given, true) : vscode.Uri.file(given);
  const active = activeImage();
  if (active) return active;
  const found = await vscode.workspace.findFiles(IMAGE_GLOB, '**/{node_modules,.git,dist,out}/**', 2000);
  if (found.length === 0) {
    const picked = await vscode.window.showOpenDialog({
      title,
      canSelectMany: false,
      openLabel: 'Derender',
      filters: { Images: IMAGE_EXTENSIONS },
    });
    return picked?.[0];
  }
  found.sort((a, b) => vscode.workspace.asRelativePath(a).localeCompare(vscode.workspace.asRelativePath(b)));
  const pick = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: fileName(uri), description: vscode.workspace.asRelativePath(uri, true), uri })),
    { title, placeHolder: 'Pick an image (PNG, JPEG, WebP) from the workspace', matchOnDescription: true },
  );
  return pick?.uri;
}

/**
 * Reads an image the user chose, wherever it is (inside the workspace or not; symlinks followed).
 * Refuses, with one clear reason and before reading: a folder, a pipe or device (reading could block
 * or never end), an empty file, a file over the size limit, a broken symlink.
 */
export async function readImage(uri: vscode.Uri): Promise<Uint8Array> {
  if (uri.scheme === 'file') {
    return readInputFile(uri.fsPath, 'image', MAX_IMAGE_FILE_BYTES, fileName(uri));
  }
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.type & vscode.FileType.Directory) throw new Error(`${fileName(uri)} is a folder, not an image.`);
  if (!(stat.type & vscode.FileType.File)) throw new Error(`${fileName(uri)} is not a regular file.`);
  if (stat.size === 0) throw new Error(`${fileName(uri)} is empty (0 bytes).`);
  if (stat.size > MAX_IMAGE_FILE_BYTES) throw new Error(`${fileName(uri)} is too large (${Math.round(stat.size / 1024 / 1024)} MB; the limit is ${MAX_IMAGE_FILE_BYTES / 1024 / 1024} MB).`);
  return vscode.workspace.fs.readFile(uri);
}

export function mimeOf(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'image/webp';
  return undefined;
}
