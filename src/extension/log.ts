/**
 * The "RECODE" output channel. Every line passes through `redact` so a secret that slipped into an
 * error message (an API key echoed by a server, say) never reaches the log, and control characters
 * (a model's escape sequences) are shown, not written raw.
 */
import * as vscode from 'vscode';
import { visible } from '../core/text';

export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  private secrets: string[] = [];

  constructor() {
    this.channel = vscode.window.createOutputChannel('RECODE', { log: true });
  }

  /** Strings that must never be written (the API key). */
  setSecrets(secrets: (string | undefined)[]): void {
    this.secrets = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  }

  redact(text: string): string {
    let t = text;
    for (const s of this.secrets) t = t.split(s).join('***');
    // Bearer tokens and sk-… keys that are not ours either.
    return t.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1***').replace(/\bsk-[A-Za-z0-9_-]{12,}/g, 'sk-***');
  }

  info(message: string): void {
    this.channel.info(visible(this.redact(message)));
  }
  warn(message: string): void {
    this.channel.warn(visible(this.redact(message)));
  }
  error(message: string): void {
    this.channel.error(visible(this.redact(message)));
  }
  line(level: 'info' | 'warn' | 'error', message: string): void {
    this[level](message);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
