/** `parity spec list` / `parity spec status`: every spec with its derived status. */
import type { Diagnostic } from '../diagnostics.js';
import { problemsOf } from './lint.js';
import { loadSpecs } from './load.js';
import { SPEC_STATUSES, summarizeSpec, type SpecStatus, type SpecSummary } from './status.js';

export interface SpecListing {
  dir: string;
  specs: SpecSummary[];
  counts: Record<SpecStatus, number>;
  /** Files that did not load at all: the listing is incomplete without them. */
  unloaded: Diagnostic[];
  /** Problems in specs that did load (what `parity spec lint` would report about them). */
  problems: Diagnostic[];
}

export function listSpecs(options: { specsDir: string; cwd: string }): SpecListing {
  const set = loadSpecs(options.specsDir, options.cwd);
  const specs = set.specs.map(summarizeSpec).sort((a, b) => a.id.localeCompare(b.id));
  const counts = Object.fromEntries(SPEC_STATUSES.map((s) => [s, specs.filter((x) => x.status === s).length])) as Record<SpecStatus, number>;
  const unloadedFiles = new Set(set.diagnostics.map((d) => d.file));
  return {
    dir: set.dir,
    specs,
    counts,
    unloaded: set.diagnostics,
    problems: problemsOf(set).filter((d) => !unloadedFiles.has(d.file)),
  };
}
