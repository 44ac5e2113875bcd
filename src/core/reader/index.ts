/**
 * The chart reader (issue 11): turns a chart image into a reading — plot area, axes from OCR'd
 * tick labels, marks by colour and shape, legend — and from it a data table, a matplotlib
 * program, an overlay and prompt text. Plain TypeScript, no `vscode`.
 */
export type { ChartType, TextRole, TextItem, AxisReading, SeriesReading, Box, MarkReading, Reading, ReadResult } from './types';
export { readChart, readTexts, type ReaderOptions } from './read';
export { createOcr, prepareCrop, type Ocr, type OcrLine, type OcrOptions } from './ocr';
export { readingToJson, readingToCsv, readingToProgram, drawOverlay, textForPrompt } from './output';
export { parseNumber, type ParsedNumber } from './numbers';
export { fitAxis, type AxisMap } from './axes';
