/**
 * Run every extractor whose framework the codebase uses, and merge what they found into one
 * deterministic list. One extractor failing, like one file failing, is a warning, not an abort.
 */
import picomatch from 'picomatch';
import type { EndpointFacts, ExtractionWarning, Extractor, SourceProject } from './types.js';

export interface ExtractionResult {
  /** The frameworks detected, by extractor name. */
  frameworks: string[];
  endpoints: EndpointFacts[];
  warnings: ExtractionWarning[];
}

export interface RunOptions {
  extractors: readonly Extractor[];
  /** Keep only endpoints whose "METHOD /path" matches this glob (`/` is not special). */
  only?: string;
  onProgress?: (done: number, total: number) => void;
}

export function runExtractors(project: SourceProject, options: RunOptions): ExtractionResult {
  const warnings: ExtractionWarning[] = [];
  const detected = options.extractors.filter((extractor) => {
    try {
      return extractor.detect(project);
    } catch (error) {
      warnings.push({ file: '.', line: 1, message: `${extractor.name}: detection failed: ${messageOf(error)}` });
      return false;
    }
  });
  const total = project.files.length * detected.length;
  let done = 0;
  const endpoints: EndpointFacts[] = [];
  for (const extractor of detected) {
    try {
      endpoints.push(
        ...extractor.extract({
          project,
          warn: (warning) => warnings.push(warning),
          progress: () => options.onProgress?.(++done, total),
        }),
      );
    } catch (error) {
      warnings.push({ file: '.', line: 1, message: `${extractor.name}: extraction failed: ${messageOf(error)}` });
    }
  }
  const matches = options.only === undefined ? () => true : picomatch(options.only, { nocase: true, bash: true });
  return {
    frameworks: detected.map((e) => e.name),
    endpoints: endpoints.filter((e) => matches(`${e.method} ${e.path}`)).sort(compareEndpoints),
    warnings: dedupeWarnings(warnings),
  };
}

function compareEndpoints(a: EndpointFacts, b: EndpointFacts): number {
  return cmp(a.path, b.path) || cmp(a.method, b.method) || cmp(a.framework, b.framework) || cmp(a.handler, b.handler);
}

function dedupeWarnings(warnings: readonly ExtractionWarning[]): ExtractionWarning[] {
  const seen = new Map<string, ExtractionWarning>();
  for (const w of warnings) seen.set(`${w.file}\0${w.line}\0${w.message}`, w);
  return [...seen.values()].sort((a, b) => cmp(a.file, b.file) || a.line - b.line || cmp(a.message, b.message));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
