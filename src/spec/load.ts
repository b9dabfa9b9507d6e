/**
 * Reading the specs directory: every `*.yaml` / `*.yml` file below it is one spec. A file that
 * does not parse or validate is reported with positioned diagnostics and left out; the others
 * still load, so one bad file never hides the rest.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import { parseYamlSource, type YamlSource } from '../yaml/source.js';
import { validateSource } from '../yaml/validate.js';
import { parseEndpoint, SpecSchema, type ParsedEndpoint, type Spec } from './schema.js';

export interface LoadedSpec {
  /** Absolute path of the file. */
  file: string;
  source: YamlSource;
  spec: Spec;
  endpoint: ParsedEndpoint;
}

export interface SpecSet {
  dir: string;
  /** Every spec file found, absolute, sorted. */
  files: string[];
  specs: LoadedSpec[];
  /** Syntax and schema problems of the files that did not load. */
  diagnostics: Diagnostic[];
}

const SKIPPED_DIRS = new Set(['node_modules']);

export function findSpecFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(full);
    }
  };
  walk(dir);
  return found.sort();
}

export function loadSpecFile(file: string, cwd: string): { spec?: LoadedSpec; diagnostics: Diagnostic[] } {
  return parseSpecText(file, displayPath(file, cwd), fs.readFileSync(file, 'utf8'));
}

/** Parse and validate spec text; `shown` is the path diagnostics name. */
export function parseSpecText(file: string, shown: string, text: string): { spec?: LoadedSpec; diagnostics: Diagnostic[] } {
  const { source, diagnostics } = parseYamlSource(shown, text);
  if (diagnostics.length > 0) return { diagnostics };
  if (source.doc.contents === null) {
    return { diagnostics: [{ file: shown, line: 1, col: 1, message: 'the file is empty: a spec needs at least `id` and `endpoint`', rule: 'schema' }] };
  }
  const result = validateSource(source, SpecSchema);
  if (!result.ok) return { diagnostics: result.diagnostics };
  return { spec: { file, source, spec: result.value, endpoint: parseEndpoint(result.value.endpoint) }, diagnostics: [] };
}

export function loadSpecs(dir: string, cwd: string): SpecSet {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ParityError('SPECS_DIR_MISSING', `specs directory ${displayPath(dir, cwd)} does not exist`, {
      hint: 'run `parity init`, set `specs:` in parity.yaml, or pass --specs DIR',
    });
  }
  const files = findSpecFiles(dir);
  const specs: LoadedSpec[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const loaded = loadSpecFile(file, cwd);
    if (loaded.spec) specs.push(loaded.spec);
    diagnostics.push(...loaded.diagnostics);
  }
  return { dir, files, specs, diagnostics };
}
