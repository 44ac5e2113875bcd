/**
 * The extension's settings (contributes.configuration in package.json), read in one place.
 * The API key is not a setting: it lives in SecretStorage (see SECRET_KEY).
 */
import * as vscode from 'vscode';
import type { DerenderOptions } from '../core/types';

export const SECRET_KEY = 'recode.apiKey';

export type RendererSetting = 'auto' | 'pyodide' | 'python';

export interface Settings {
  baseUrl: string;
  model: string;
  candidates: number;
  rounds: number;
  modelCritic: boolean;
  temperature: number;
  numericRefineBudget: number;
  renderer: RendererSetting;
  pythonPath: string;
  renderTimeLimitMs: number;
  requestTimeoutMs: number;
}

function clampInt(v: unknown, min: number, max: number, dflt: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : dflt;
  return Math.min(max, Math.max(min, n));
}

function clampNum(v: unknown, min: number, max: number, dflt: number): number {
  const n = typeof v === 'number' && Number.isFinite(v) ? v : dflt;
  return Math.min(max, Math.max(min, n));
}

export function readSettings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('recode', scope);
  const renderer = c.get<string>('renderer', 'auto');
  return {
    baseUrl: (c.get<string>('baseUrl', '') ?? '').trim(),
    model: (c.get<string>('model', '') ?? '').trim(),
    candidates: clampInt(c.get('candidates'), 1, 16, 3),
    rounds: clampInt(c.get('rounds'), 0, 20, 2),
    modelCritic: c.get<boolean>('modelCritic', false) === true,
    temperature: clampNum(c.get('temperature'), 0, 2, 0.7),
    numericRefineBudget: clampInt(c.get('numericRefinement'), 0, 1000, 200),
    renderer: renderer === 'pyodide' || renderer === 'python' ? renderer : 'auto',
    pythonPath: (c.get<string>('pythonPath', '') ?? '').trim(),
    renderTimeLimitMs: Math.round(clampNum(c.get('renderTimeLimit'), 1, 600, 20) * 1000),
    requestTimeoutMs: Math.round(clampNum(c.get('requestTimeout'), 5, 3600, 120) * 1000),
  };
}

export function derenderOptions(s: Settings, overrides: Partial<DerenderOptions> = {}): Partial<DerenderOptions> {
  return {
    candidates: s.candidates,
    rounds: s.rounds,
    modelCritic: s.modelCritic,
    temperature: s.temperature,
    numericRefineBudget: s.numericRefineBudget,
    renderTimeLimitMs: s.renderTimeLimitMs,
    ...overrides,
  };
}
