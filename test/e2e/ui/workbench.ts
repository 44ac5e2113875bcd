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
        // typed only into the palette's own field: keys typed elsewhere act there (in the explorer, Enter opens a file)
        await waitFor(async () => (await this.paletteShowing()) && (await this.quickInputFocused()), 10_000, 'the command palette to open, with the keyboard in it');
        await this.page.keyboard.type(title);
        const found = await waitFor(async () => (await this.quickInputRows()).includes(title), 2_500, `"${title}" in the palette`).then(
          () => true,
          () => false,
        );
        if (!found) return false;
        // the focused row is the command: Enter (no pointer, nothing to miss); else click its row
        const focused = await this.page.evaluate(() => (document.querySelector('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name')?.textContent ?? '').trim());
        if (focused === title) await this.page.keyboard.press('Enter');
        else if (!(await this.clickQuickInputRow((l) => l === title))) return false;
        return true;
      },
      ms,
      `the command "${title}" in the palette (${tries} tries; not registered?)`,
      500,
    );
    // What the caller types next is for the command's own input (a quick pick, an input box): not
    // before the palette is gone — keys typed meanwhile go to whatever had focus before (typed
    // into the explorer, they move its focus to the file they spell).
    await waitFor(async () => !(await this.paletteShowing()), 10_000, `the command palette to close after "${title}"`);
  }

  /** The command palette (not a command's own quick pick) is open: its input holds `>…`. */
  async paletteShowing(): Promise<boolean> {
    if (!(await this.quickInputVisible())) return false;
    return this.page.evaluate(() => ((document.querySelector('.quick-input-widget input.input') as unknown as { value?: string } | null)?.value ?? '').startsWith('>'));
  }

  /**
   * A command's own quick input (not the palette) is open and has the keyboard; one opened from
   * elsewhere (a notification's button) may leave the focus there: its field is clicked, as a user would.
   */
  async keyboardInQuickInput(): Promise<boolean> {
    if (!(await this.quickInputVisible()) || (await this.paletteShowing())) return false;
    if (await this.quickInputFocused()) return true;
    await this.page.click('.quick-input-widget input.input').catch(() => undefined);
    return this.quickInputFocused();
  }

  /** Keyboard focus is in the open quick input's text field. */
  async quickInputFocused(): Promise<boolean> {
    return this.page.evaluate(() => {
      const a = document.activeElement;
      return !!a && a.tagName === 'INPUT' && !!document.querySelector('.quick-input-widget input.input') && document.querySelector('.quick-input-widget input.input') === a;
    });
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
    await waitFor(() => this.keyboardInQuickInput(), ms, `a quick pick offering ${label}, with the keyboard in it`);
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
        return (await this.quickInputVisible()) && prompt.test(await this.inputBoxPrompt()) && (await this.keyboardInQuickInput());
      },
      ms,
      `an input box asking for ${prompt}, with the keyboard in it`,
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

  /** Whether a context menu is on screen. */
  async contextMenuOpen(): Promise<boolean> {
    return this.page.evaluate(() => [...document.querySelectorAll('.context-view .monaco-menu')].some((m) => m.offsetParent !== null));
  }

  /**
   * Where `name`'s explorer row is on screen and whether the pointer would reach it there: its
   * centre, inside the list's visible part and not covered by anything else (a hover, a toast).
   */
  private async explorerRowTarget(name: string): Promise<{ x: number; y: number; ok: boolean; why: string; below: boolean }> {
    const row = await this.explorerRow(name);
    return row.evaluate((r) => {
      const d = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): El | null } }).document;
      type Box = { x: number; y: number; width: number; height: number };
      const rect = (e: El): Box => (e as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect();
      const b = rect(r);
      const list = (r as unknown as { closest(s: string): El | null }).closest('.monaco-list');
      const lb = list ? rect(list) : b;
      const x = b.x + Math.min(b.width / 2, 60);
      const y = b.y + b.height / 2;
      if (b.y < lb.y || b.y + b.height > lb.y + lb.height) return { x, y, ok: false, why: `the row (y ${Math.round(b.y)}) is outside the list's visible part (y ${Math.round(lb.y)}–${Math.round(lb.y + lb.height)})`, below: b.y > lb.y };
      const at = d.elementFromPoint(x, y);
      const atRow = at ? (at as unknown as { closest(s: string): El | null }).closest('.monaco-list-row') : null;
      if (atRow !== r) {
        const what = at ? `${at.tagName.toLowerCase()}.${String(at.className).split(' ')[0]}${atRow ? ` (row ${atRow.querySelector('.label-name')?.textContent ?? '?'})` : ''}` : 'nothing';
        return { x, y, ok: false, why: `the row is covered by ${what}`, below: false };
      }
      return { x, y, ok: true, why: '', below: false };
    });
  }

  /** The label of the explorer's focused row ('' if none). */
  async explorerFocused(): Promise<string> {
    return this.page.evaluate(() => (document.querySelector('.explorer-folders-view .monaco-list-row.focused .label-name')?.textContent ?? '').trim());
  }

  /**
   * Right-click `name` in the explorer and choose `item` from its context menu, as a user does, and
   * make sure of each step: the row is in view and uncovered when the pointer goes to it, the menu
   * that opens is that row's (the explorer focuses the row it opens the menu for), and the menu
   * closes when the item is clicked. A step that did not take is retried; the error says why.
   */
  async explorerContextMenu(name: string, item: string, ms = 30_000): Promise<void> {
    const tries: string[] = [];
    const note = (why: string): false => {
      if (tries[tries.length - 1] !== why) tries.push(why);
      return false;
    };
    await waitFor(
      async () => {
        // A menu of this row that is still open (its item did not take the last click) is clicked
        // again; any other menu is closed and the row right-clicked.
        const open = await this.contextMenuOpen();
        const ours = open && (await this.contextMenuLabels()).includes(item) && (await this.explorerFocused()) === name;
        if (!ours) {
          if (open) await this.page.keyboard.press('Escape');
          const t = await this.explorerRowTarget(name);
          if (!t.ok) {
            // out of view: scroll the list with the wheel, over the list, towards the row
            if (t.why.includes('outside')) {
              await this.page.mouse.move(t.x, 200);
              await this.page.mouse.wheel({ deltaY: t.below ? 66 : -66 });
            } else await this.page.mouse.move(5, 5); // a hover goes when the pointer leaves
            return note(t.why);
          }
          await this.page.mouse.click(t.x, t.y, { button: 'right' });
          const menu = await waitFor(async () => ((await this.contextMenuOpen()) ? this.contextMenuLabels() : undefined), 4_000, 'a context menu').catch(() => undefined);
          if (!menu) return note('no context menu opened');
          const focused = await this.explorerFocused();
          if (focused !== name) return note(`the context menu opened for ${focused || 'no row'}, not ${name} (its items: ${menu.join(', ')})`);
          if (!menu.includes(item)) return note(`"${item}" is not in the context menu of ${name}: ${menu.join(', ')}`);
          // VS Code's menu items take a mouse-up only once a timer set 100 ms after they are drawn
          // has run (so the right-click's own release picks nothing); a busy machine runs it late,
          // and a click before that does nothing and leaves the menu open. A user's pointer takes
          // longer than that: wait as long, and click again (next round) if the menu stays open.
          await sleep(300);
        }
        const entry = await this.page.evaluate((label) => {
          for (const e of document.querySelectorAll('.context-view .monaco-menu .action-item')) {
            if ((e.querySelector('.action-label')?.textContent ?? '').trim() !== label) continue;
            const b = (e as unknown as { getBoundingClientRect(): { x: number; y: number; width: number; height: number } }).getBoundingClientRect();
            return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
          }
          return undefined;
        }, item);
        if (!entry) return note(`"${item}" vanished from the menu`);
        await this.page.mouse.move(entry.x, entry.y);
        await this.page.mouse.click(entry.x, entry.y);
        const closed = await waitFor(async () => !(await this.contextMenuOpen()), 5_000, 'the context menu to close').then(
          () => true,
          () => false,
        );
        return closed || note(`the menu stayed open after clicking "${item}"`);
      },
      ms,
      `"${item}" from the explorer context menu of ${name}`,
      300,
    ).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; tries: ${tries.join(' | ') || 'none'}`);
    });
    if (tries.length > 0) console.log(`      (explorer context menu of ${name}: retried after: ${tries.join(' | ')})`);
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
