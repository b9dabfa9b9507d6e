/** `parity extract`: the legacy codebase in, endpoint facts out, and drafts written on request. */
import fs from 'node:fs';
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { loadSourceProject } from '../../extractors/project.js';
import { runExtractors, type ExtractionResult } from '../../extractors/run.js';
import type { ExtractionWarning, Extractor } from '../../extractors/types.js';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import { writeDrafts, type DraftsResult } from './drafts.js';

export interface ExtractOptions {
  /** The legacy source directory. */
  source: string;
  cwd: string;
  /** Where drafts are written; nothing is written without it. */
  specsDir?: string;
  only?: string;
  extractors?: readonly Extractor[];
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractReport extends ExtractionResult {
  source: string;
  drafts: DraftsResult | null;
}

export function extractEndpoints(options: ExtractOptions): ExtractReport {
  if (!fs.existsSync(options.source) || !fs.statSync(options.source).isDirectory()) {
    throw new ParityError('USAGE', `legacy source ${displayPath(options.source, options.cwd)} is not a directory`, {
      hint: 'set legacy.source in parity.yaml or pass --source DIR',
    });
  }
  const loadWarnings: ExtractionWarning[] = [];
  const project = loadSourceProject(options.source, (w) => loadWarnings.push(w));
  const result = runExtractors(project, {
    extractors: options.extractors ?? ALL_EXTRACTORS,
    ...(options.only !== undefined && { only: options.only }),
    ...(options.onProgress && { onProgress: options.onProgress }),
  });
  const drafts = options.specsDir === undefined ? null : writeDrafts({ specsDir: options.specsDir, cwd: options.cwd, endpoints: result.endpoints });
  return { source: options.source, ...result, warnings: [...loadWarnings, ...result.warnings], drafts };
}
