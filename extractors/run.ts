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
      const warned = warnings.length;
      const found = extractor.extract({
        project,
        warn: (warning) => warnings.push(warning),
        progress: () => options.onProgress?.(++done, total),
      });
      endpoints.push(...found);
      if (found.length === 0) warnings.push(noRoutesWarning(project, extractor, warnings.length > warned));
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

const LANGUAGE_FILES: Readonly<Record<Extractor['language'], RegExp>> = {
  javascript: /\.(m|c)?[jt]sx?$/,
  python: /\.py$/,
  ruby: /(\.rb|\/config\.ru|^config\.ru)$/,
  go: /\.go$/,
};
const MANIFESTS = /(^|\/)(package\.json|requirements[^/]*\.txt|pyproject\.toml|setup\.(py|cfg)|Pipfile|Gemfile|go\.mod)$/;

/**
 * A framework the codebase uses, with no route of it found, never passes in silence: the warning
 * points at where an app of it is made (else where the manifest names it) and says what kind of
 * registration parity does not follow.
 */
function noRoutesWarning(project: SourceProject, extractor: Extractor, warnedAlready: boolean): ExtractionWarning {
  const at = (extractor.entryPoint &&
    firstLine(project, (file) => LANGUAGE_FILES[extractor.language].test(file) && !file.includes('node_modules/'), extractor.entryPoint)) ??
    firstLine(project, (file) => MANIFESTS.test(file), new RegExp(extractor.name.replace(/\W/g, '.'), 'i')) ?? { file: '.', line: 1 };
  return {
    ...at,
    message:
      `${extractor.name} is used here, but no route of it was found: routes registered in a way parity does not follow are left out ` +
      '(a loop over data read at run time, a path built at run time, routes loaded from a directory, a router never mounted)' +
      (warnedAlready ? '; the other warnings of this extraction say where it stopped' : ''),
  };
}

function firstLine(project: SourceProject, include: (file: string) => boolean, pattern: RegExp): { file: string; line: number } | undefined {
  for (const file of project.files) {
    if (!include(file)) continue;
    let text: string;
    try {
      text = project.read(file);
    } catch {
      continue;
    }
    const match = pattern.exec(text);
    if (match) return { file, line: text.slice(0, match.index).split('\n').length };
  }
  return undefined;
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
