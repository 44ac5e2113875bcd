/**
 * Every notification RECODE shows goes through here: messages, progress titles and progress
 * messages often carry text from outside (model replies, programs' errors, file names), and a
 * notification would turn `[label](command:…)` in them into a link that runs a command. See
 * untrustedText.ts. (test/untrusted-text.test.ts checks no other file calls the window's
 * notification functions directly.)
 */
import * as vscode from 'vscode';
import { plainNotice } from './untrustedText';

export function showError(message: string, ...buttons: string[]): Thenable<string | undefined> {
  return vscode.window.showErrorMessage(plainNotice(message), ...buttons);
}

export function showWarning(message: string, ...buttons: string[]): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(plainNotice(message), ...buttons);
}

export function showInfo(message: string, ...buttons: string[]): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(plainNotice(message), ...buttons);
}

export type NoticeProgress = vscode.Progress<{ message?: string; increment?: number }>;

/** window.withProgress in a notification, with its title and every reported message made plain. */
export function withNotificationProgress<R>(title: string, cancellable: boolean, task: (progress: NoticeProgress, token: vscode.CancellationToken) => Thenable<R>): Thenable<R> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: plainNotice(title, 200), cancellable }, (progress, token) =>
    task({ report: (v) => progress.report({ ...v, message: v.message !== undefined ? plainNotice(v.message, 300) : undefined }) }, token),
  );
}
