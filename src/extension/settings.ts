/**
 * The extension's settings (contributes.configuration in package.json), read in one place.
 * The API key is not a setting: it lives in SecretStorage (see SECRET_KEY).
 */
import * as vscode from 'vscode';
import type { DerenderOptions } from '../core/types';
import { settingsFrom, type Settings } from './settingsRead';

export const SECRET_KEY = 'recode.apiKey';

export type { RendererSetting, Settings } from './settingsRead';

export function readSettings(scope?: vscode.Uri): Settings {
  return settingsFrom(vscode.workspace.getConfiguration('recode', scope));
}

export function derenderOptions(s: Settings, overrides: Partial<DerenderOptions> = {}): Partial<DerenderOptions> {
  return {
    candidates: s.candidates,
    rounds: s.rounds,
    modelCritic: s.modelCritic,
    temperature: s.temperature,
    numericRefineBudget: s.numericRefineBudget,
    reader: s.chartReader,
    renderTimeLimitMs: s.renderTimeLimitMs,
    ...overrides,
  };
}
