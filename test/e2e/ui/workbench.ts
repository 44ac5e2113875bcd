/**
 * Driving code-server's VS Code workbench (1.139) in chromium: the command palette, quick picks and
 * input boxes, the explorer and its context menu, editor tabs, notifications, and webviews.
 * Every wait is on a condition in the page, with a limit and a message naming what was awaited.
 */
import type { ElementHandle, Frame, Page } from 'puppeteer-core';
import { sleep, StopWaiting, waitFor, withTimeout } from '../browser';
import type { Doc, El } from './dom';

// Page-side globals, for the callbacks that run in the browser (module-scoped declarations).
declare const document: Doc;
declare function getComputedStyle(e: El): { display: string };

export interface Notification {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Has a progress bar (window.withProgress). */
  progress: boolean;
}

/** The state of a RECODE panel, read from its data-testid hooks. */
export interface PanelState {
  status: string;
  originalLoaded: boolean;
  candidates: Array<{ id: string; state: string; score: number | null; best: boolean }>;
  answer: string;
  question: string;
  error: string;
  hasDiff: boolean;
  rounds: string;
}

export class Workbench {
  constructor(readonly page: Page) {}

  /** Moves keyboard focus from any webview iframe back to the workbench. */
  async focusWorkbench(): Promise<void> {
    await this.page.evaluate(() => {
      const a = document.activeElement;
      if (a && a.tagName === 'IFRAME') a.blur();
    });
  }

  async explorerRows(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.explorer-folders-view .monaco-list-row')].map((r) => (r.getAttribute('aria-label') ?? r.textContent ?? '').trim()),
    );
  }

  async quickInputVisible(): Promise<boolean> {
    return this.page.evaluate(() => {
      const w = document.querySelector('.quick-input-widget');
      return !!w && w.style.display !== 'none' && w.offsetParent !== null;
    });
  }

  async closeQuickInput(): Promise<void> {
    if (await this.quickInputVisible()) {
      await this.page.keyboard.press('Escape');
      await waitFor(async () => !(await this.quickInputVisible()), 5_000, 'the quick input to close');
    }
  }

  /** Labels of the rows of the open quick input list. */
  async quickInputRows(): Promise<string[]> {
    if (!(await this.quickInputVisible())) return [];
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')].map((r) =>
        (r.querySelector('.label-name')?.textContent ?? r.getAttribute('aria-label') ?? '').trim(),
      ),
    );
  }

  private async clickQuickInputRow(match: (label: string) => boolean): Promise<boolean> {
    const rows = await this.page.$$('.quick-input-widget .quick-input-list .monaco-list-row');
    for (const row of rows) {
      const label = await row.evaluate((r) => (r.querySelector('.label-name')?.textContent ?? r.getAttribute('aria-label') ?? '').trim());
      if (match(label)) {
        try {
          await row.click();
          return true;
        } catch {
          // the list re-rendered under the pointer (a busy machine filters slowly): the focused row
          // takes Enter; else look again with fresh rows
          const focused = await row.evaluate((r) => r.isConnected && r.classList.contains('focused')).catch(() => false);
          if (!focused) return false;
          await this.page.keyboard.press('Enter');
          return true;
        }
      }
    }
    return false;
  }

  /**
   * F1, type the command's title, click the row whose label is exactly that title. Right after the
   * workbench is ready the extension's commands may not be registered yet: retry until `ms`.
   */
  async runCommand(title: string, ms = 60_000): Promise<void> {
    let tries = 0;
    await waitFor(
      async () => {
        tries++;
        await this.closeQuickInput();
        await this.focusWorkbench();
        await this.page.keyboard.press('F1');
        await waitFor(() => this.quickInputVisible(), 10_000, 'the command palette to open');
        await this.page.keyboard.type(title);
        const found = await waitFor(async () => (await this.quickInputRows()).includes(title), 2_500, `"${title}" in the palette`).then(
          () => true,
          () => false,
        );
        if (!found) return false;
        // the focused row is the command: Enter (no pointer, nothing to miss); else click its row
        const focused = await this.page.evaluate(() => (document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name')?.textContent ?? '').trim());
        if (focused === title) {
          await this.page.keyboard.press('Enter');
          return true;
        }
        return this.clickQuickInputRow((l) => l === title);
      },
      ms,
      `the command "${title}" in the palette (${tries} tries; not registered?)`,
      500,
    );
  }

  /** In an open quick pick: type `filter`, then click the first row whose label contains `label`. */
  async pick(filter: string, label: string, ms = 15_000): Promise<void> {
    await waitFor(
      async () => {
        await this.checkNoErrorDialog();
        return this.quickInputVisible();
      },
      ms,
      `a quick pick offering ${label}`,
    );
    await this.page.keyboard.type(filter);
    await waitFor(
      async () => {
        await this.checkNoErrorDialog();
        return this.clickQuickInputRow((l) => l.includes(label));
      },
      ms,
      `"${label}" in the quick pick`,
    );
  }

  /** The prompt/placeholder text of an open input box. */
  async inputBoxPrompt(): Promise<string> {
    return this.page.evaluate(() => {
      const w = document.querySelector('.quick-input-widget');
      const input = w?.querySelector('input.input');
      return [input?.placeholder, input?.getAttribute('aria-label'), w?.querySelector('.quick-input-message')?.textContent, w?.querySelector('.quick-input-title')?.textContent]
        .filter((s): s is string => !!s)
        .join(' | ');
    });
  }

  /** Answers an open input box: waits for it (its prompt must match `prompt`), types, Enter. */
  async answerInputBox(prompt: RegExp, value: string, ms = 15_000): Promise<void> {
    await waitFor(
      async () => {
        await this.checkNoErrorDialog();
        return (await this.quickInputVisible()) && prompt.test(await this.inputBoxPrompt());
      },
      ms,
      `an input box asking for ${prompt}`,
    );
    await this.page.keyboard.type(value);
    await this.page.keyboard.press('Enter');
    await waitFor(async () => !(await this.quickInputVisible()), ms, 'the input box to close after Enter');
  }

  async explorerRow(name: string, ms = 15_000): Promise<ElementHandle> {
    return waitFor(
      async () => {
        for (const row of await this.page.$$('.explorer-folders-view .monaco-list-row')) {
          const label = await row.evaluate((r) => r.querySelector('.label-name')?.textContent?.trim() ?? '');
          if (label === name) return row;
        }
        return undefined;
      },
      ms,
      `${name} in the explorer`,
    );
  }

  async contextMenuLabels(): Promise<string[]> {
    return this.page.evaluate(() => [...document.querySelectorAll('.monaco-menu .action-item .action-label')].map((e) => (e.textContent ?? '').trim()).filter((t) => t));
  }

  /** Right-click `name` in the explorer and choose `item` from its context menu. */
  async explorerContextMenu(name: string, item: string, ms = 15_000): Promise<void> {
    await waitFor(
      async () => {
        await this.page.keyboard.press('Escape');
        const row = await this.explorerRow(name);
        await row.click({ button: 'right' });
        const entry = await waitFor(
          async () => {
            for (const h of await this.page.$$('.monaco-menu .action-item')) {
              const label = await h.evaluate((e) => e.querySelector('.action-label')?.textContent?.trim() ?? '');
              if (label === item) return h;
            }
            return undefined;
          },
          4_000,
          `"${item}" in the context menu of ${name}`,
        ).catch(() => undefined);
        if (!entry) return false;
        await entry.click();
        return true;
      },
      ms,
      `"${item}" in the explorer context menu of ${name}`,
      300,
    );
  }

  /** Every editor tab (every group): its label, its aria-label (holds e.g. "Untitled-1"), active in its group. */
  async tabs(): Promise<Array<{ label: string; aria: string; active: boolean }>> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.tabs-container .tab')].map((t) => ({
        label: (t.querySelector('.label-name')?.textContent ?? '').trim(),
        aria: t.getAttribute('aria-label') ?? '',
        active: t.classList.contains('active'),
      })),
    );
  }

  async clickTab(ariaIncludes: string): Promise<void> {
    for (const t of await this.page.$$('.tabs-container .tab')) {
      if ((await t.evaluate((e) => e.getAttribute('aria-label') ?? '')).includes(ariaIncludes)) {
        await t.click();
        return;
      }
    }
    throw new Error(`no editor tab "${ariaIncludes}"`);
  }

  /** The language mode the status bar shows for the active editor. */
  async activeLanguage(): Promise<string> {
    return this.page.evaluate(() => (document.querySelector('[id="status.editor.mode"]')?.textContent ?? '').trim());
  }

  /** Visible text of every text editor, keyed by its data-uri (Monaco renders the visible lines only). */
  async editorTexts(): Promise<Array<{ uri: string; focused: boolean; text: string }>> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.editor-instance .monaco-editor')].map((e) => {
        const lines = [...e.querySelectorAll('.view-lines .view-line')]
          .map((l) => ({ top: parseFloat(l.style.top || '0'), text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text);
        return { uri: e.getAttribute('data-uri') ?? '', focused: e.classList.contains('focused'), text: lines.join('\n') };
      }),
    );
  }

  /**
   * The code cells of the notebook editor on screen, top to bottom, with the text of their visible
   * lines (the notebook renders the rows in and near view only).
   */
  async notebookCodeCells(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('.notebook-editor .monaco-list-row.code-cell-row')]
        .filter((r) => r.offsetParent !== null)
        .map((r) => ({
          top: parseFloat(r.style.top || '0'),
          text: [...r.querySelectorAll('.view-lines .view-line')]
            .map((l) => ({ top: parseFloat(l.style.top || '0'), text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
            .sort((a, b) => a.top - b.top)
            .map((l) => l.text)
            .join('\n'),
        }))
        .sort((a, b) => a.top - b.top)
        .map((c) => c.text),
    );
  }

  /** The number of cells of the active notebook, from the status bar's "Cell i of N"; undefined when it shows none. */
  async notebookCellCount(): Promise<number | undefined> {
    const texts = await this.page.evaluate(() => [...document.querySelectorAll('.statusbar-item')].map((e) => (e.textContent ?? '').trim()));
    const m = texts.map((t) => /^Cell \d+ of (\d+)$/.exec(t)).find((x) => x);
    return m ? Number(m[1]) : undefined;
  }

  /** Scrolls the notebook editor on screen by `dy` pixels (the mouse wheel over its cell list). */
  async scrollNotebook(dy: number): Promise<void> {
    const list = await this.page.$('.notebook-editor .cell-list-container');
    const box = await list?.boundingBox();
    if (!box) throw new Error('no notebook editor on screen');
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.mouse.wheel({ deltaY: dy });
  }

  /** The notification toasts on screen. */
  async notifications(): Promise<Notification[]> {
    return this.readNotifications('.notifications-toasts .notification-toast-container .notification-list-item');
  }

  /** Every notification so far (the notification center lists them all, toasts that hid included). */
  async allNotifications(): Promise<Notification[]> {
    await this.runCommand('Notifications: Show Notifications', 20_000);
    await waitFor(() => this.page.$('.notifications-center.visible'), 5_000, 'the notification center');
    const all = await this.readNotifications('.notifications-center .notification-list-item');
    // Escape closes the center (it has the focus once shown); the bell in the status bar toggles it
    await this.page.keyboard.press('Escape');
    const closed = await waitFor(async () => !(await this.page.$('.notifications-center.visible')), 2_000, 'the notification center to close').then(
      () => true,
      () => false,
    );
    if (!closed) {
      await this.page.click('[id="status.notifications"] a, [id="status.notifications"]');
      await waitFor(async () => !(await this.page.$('.notifications-center.visible')), 5_000, 'the notification center to close');
    }
    return all;
  }

  private async readNotifications(selector: string): Promise<Notification[]> {
    return this.page.evaluate((sel: string) => {
      return [...document.querySelectorAll(sel)].map((n) => {
        const cls = n.querySelector('.notification-list-item-icon')?.className ?? '';
        const bar = n.querySelector('.monaco-progress-container');
        return {
          severity: (/codicon-error/.test(cls) ? 'error' : /codicon-warning/.test(cls) ? 'warning' : 'info') as 'error' | 'warning' | 'info',
          message: (n.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
          progress: !!bar && /\bactive\b/.test(bar.className) && getComputedStyle(bar).display !== 'none',
        };
      });
    }, selector);
  }

  /** The notification toasts with the links VS Code made in their messages (href, or the anchor's text when it has none). */
  async notificationLinks(): Promise<Array<Notification & { links: string[] }>> {
    return this.page.evaluate(() => {
      return [...document.querySelectorAll('.notifications-toasts .notification-toast-container .notification-list-item')].map((n) => {
        const cls = n.querySelector('.notification-list-item-icon')?.className ?? '';
        const msg = n.querySelector('.notification-list-item-message');
        return {
          severity: (/codicon-error/.test(cls) ? 'error' : /codicon-warning/.test(cls) ? 'warning' : 'info') as 'error' | 'warning' | 'info',
          message: (msg?.textContent ?? '').trim(),
          progress: false,
          links: [...(msg?.querySelectorAll('a') ?? [])].map((a) => a.getAttribute('href') ?? a.getAttribute('data-href') ?? (a.textContent ?? '')),
        };
      });
    });
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications', 20_000);
    await waitFor(async () => (await this.notifications()).filter((n) => !n.progress).length === 0, 5_000, 'notifications to clear');
  }

  /** The text of an open modal dialog, or '' when none is open. */
  async dialogText(): Promise<string> {
    return this.page.evaluate(() => {
      const d = document.querySelector('.monaco-dialog-box');
      if (!d) return '';
      return [d.querySelector('.dialog-message-text'), d.querySelector('.dialog-message-detail')].map((e) => (e?.textContent ?? '').trim()).filter((t) => t).join(': ');
    });
  }

  /** A command that threw (e.g. "command 'recode.x' not found") shows a modal dialog: stop waiting, say so. */
  async checkNoErrorDialog(): Promise<void> {
    const text = await this.dialogText();
    if (/resulted in an error|not found|failed/i.test(text)) throw new StopWaiting(`error dialog: ${text}`);
  }

  /** Closes any modal dialog (after a failed step). */
  async dismissDialog(): Promise<void> {
    const buttons = await this.dialogButtons();
    if (buttons.length === 0) return;
    const choice = buttons.find((b) => b === "Don't Save") ?? buttons.find((b) => /^(OK|Cancel|Close)$/.test(b)) ?? buttons[0];
    if (choice) await this.clickDialogButton(choice);
  }

  /** Buttons of an open modal dialog (e.g. "Do you want to save…?"), or [] when none is open. */
  async dialogButtons(): Promise<string[]> {
    return this.page.evaluate(() => [...document.querySelectorAll('.monaco-dialog-box .monaco-button')].map((b) => (b.textContent ?? '').trim()));
  }

  async clickDialogButton(label: string): Promise<void> {
    for (const b of await this.page.$$('.monaco-dialog-box .monaco-button')) {
      if ((await b.evaluate((e) => (e.textContent ?? '').trim())) === label) {
        await b.click();
        return;
      }
    }
    throw new Error(`no "${label}" button in the dialog`);
  }

  /**
   * Closes every editor; the untitled program editors a run opens are dirty: "Don't Save". A busy
   * machine can lose the command (the palette's list re-rendered as it was chosen): up to three tries.
   */
  async closeAllEditors(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.runCommand('View: Close All Editors', 20_000);
      try {
        await waitFor(
          async () => {
            if ((await this.dialogButtons()).includes("Don't Save")) await this.clickDialogButton("Don't Save");
            return (await this.tabs()).length === 0;
          },
          8_000,
          'every editor to close',
          300,
        );
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  }

  /**
   * The webview frame (the inner #active-frame of an iframe.webview) whose document has a
   * `[data-testid=run-status]`. Each frame is evaluated with a cap: a frame still loading blocks.
   */
  async recodeFrames(): Promise<Frame[]> {
    const found: Frame[] = [];
    for (const f of this.page.frames()) {
      if (f === this.page.mainFrame() || f.detached) continue;
      const has = await withTimeout(
        f.evaluate(() => !!document.querySelector('[data-testid=original]') || !!document.querySelector('[data-testid=run-status]')),
        1_000,
        'frame probe',
      ).catch(() => false);
      if (has) found.push(f);
    }
    return found;
  }

  async panelState(frame: Frame): Promise<PanelState> {
    return withTimeout(
      frame.evaluate(() => {
        const q = (s: string): El | null => document.querySelector(`[data-testid=${s}]`);
        const text = (s: string): string => (q(s)?.textContent ?? '').trim();
        const original = q('original');
        const img = original?.tagName === 'IMG' ? original : original?.querySelector('img');
        return {
          status: text('run-status'),
          originalLoaded: !!img && img.complete === true && (img.naturalWidth ?? 0) > 0,
          candidates: [...document.querySelectorAll('[data-testid=candidate]')].map((c) => ({
            id: c.dataset.id ?? '',
            state: c.dataset.state ?? '',
            score: c.dataset.score === undefined || c.dataset.score === '' ? null : Number(c.dataset.score),
            best: c.dataset.best === 'true',
          })),
          answer: text('answer'),
          question: text('question'),
          error: q('error') && q('error')!.offsetParent !== null ? text('error') : '',
          hasDiff: !!q('diff'),
          rounds: text('rounds'),
        };
      }),
      3_000,
      'reading the RECODE panel',
    );
  }

  /** The one RECODE panel (fails if there are several: the steps close editors between runs). */
  async recodePanel(ms: number): Promise<Frame> {
    return waitFor(
      async () => {
        const frames = await this.recodeFrames();
        await this.checkNoErrorDialog();
        if (frames.length > 1) throw new StopWaiting(`${frames.length} RECODE panels are open, expected one`);
        return frames[0];
      },
      ms,
      'the RECODE panel (a webview with [data-testid=original])',
      300,
    );
  }

  async clickInPanel(frame: Frame, testid: string): Promise<void> {
    const el = await frame.waitForSelector(`[data-testid=${testid}]`, { visible: true, timeout: 10_000 });
    if (!el) throw new Error(`no [data-testid=${testid}] in the panel`);
    await el.click();
  }

  async settle(ms = 250): Promise<void> {
    await sleep(ms);
  }
}
