/** `parity spec list` / `parity spec status`: every spec with its derived status. */
import type { Diagnostic } from '../diagnostics.js';
import { ParityError } from '../errors.js';
import { closest } from '../text.js';
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

export interface ListOptions {
  specsDir: string;
  cwd: string;
  /** Only this spec; an unknown id is an error. */
  id?: string;
}

export function listSpecs(options: ListOptions): SpecListing {
  const set = loadSpecs(options.specsDir, options.cwd);
  const chosen = options.id === undefined ? set.specs : set.specs.filter((s) => s.spec.id === options.id);
  if (options.id !== undefined && chosen.length === 0) {
    const suggestion = closest(
      options.id,
      set.specs.map((s) => s.spec.id),
    );
    throw new ParityError('SPEC_NOT_FOUND', `no spec with id "${options.id}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
      hint: 'run `parity spec list` to see the ids',
    });
  }
  const specs = chosen.map(summarizeSpec).sort((a, b) => a.id.localeCompare(b.id));
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
