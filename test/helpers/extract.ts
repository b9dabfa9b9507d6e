/** Every extractor, with detection as `parity extract` runs them, over a codebase given as file contents. */
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { inMemoryProject } from '../../extractors/project.js';
import { runExtractors, type ExtractionResult } from '../../extractors/run.js';

export function extractFiles(files: Readonly<Record<string, string>>): ExtractionResult {
  const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
  return runExtractors(project, { extractors: ALL_EXTRACTORS });
}
