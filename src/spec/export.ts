/** `parity spec export-openapi`: all specs as one OpenAPI 3.1 document. */
import { ParityError } from '../errors.js';
import { problemsOf } from './lint.js';
import { loadSpecs } from './load.js';
import { exportOpenApi, type OpenApiDocument } from './openapi.js';

export interface ExportOptions {
  specsDir: string;
  cwd: string;
  title: string;
  version: string;
}

export interface ExportResult {
  document: OpenApiDocument;
  operations: number;
}

export function exportSpecs(options: ExportOptions): ExportResult {
  const set = loadSpecs(options.specsDir, options.cwd);
  const problems = problemsOf(set);
  if (problems.length > 0) {
    throw new ParityError('SPEC_INVALID', 'the specs have problems; fix them before exporting', { diagnostics: problems });
  }
  const document = exportOpenApi(set.specs, { title: options.title, version: options.version });
  return { document, operations: set.specs.length };
}
