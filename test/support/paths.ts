import { join } from 'node:path';

/** The repository root (tests run from out/test/). */
export const ROOT = join(__dirname, '..', '..', '..');
/** Real charts with their data tables and questions (copied from shared/fixtures/charts). */
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'charts');
/** Debian's python with matplotlib (the PATH one may lack it). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
