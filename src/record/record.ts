/**
 * The library entry for turning traffic into examples, shared by `parity import har` and the
 * recording proxy: load the specs, make the examples, append them to the spec files.
 */
import type { AuthProfile } from '../config/schema.js';
import { ParityError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { displayPath } from '../paths.js';
import { loadSpecs } from '../spec/load.js';
import { plural } from '../text.js';
import { appendExamples } from './append.js';
import type { RecordedExchange } from './exchange.js';
import { examplesFromExchanges, type UnmatchedEndpoint } from './examples.js';
import { verifyRecordings, type NotReproducible, type VerifyOptions } from './verify.js';

export interface RecordExamplesOptions {
  exchanges: readonly RecordedExchange[];
  specsDir: string;
  cwd: string;
  auth: Record<string, AuthProfile>;
  env: Record<string, string | undefined>;
  /** Work out what would be added without writing any file. */
  dryRun?: boolean;
  /** Send each new example to this upstream before writing it (see verify.ts); without it, examples are written unchecked. */
  verify?: VerifyOptions;
}

export interface RecordedSpec {
  id: string;
  /** As shown to the user (relative to cwd when beneath it). */
  file: string;
  /** Names of the examples added. */
  added: string[];
}

export interface RecordExamplesResult {
  specs: RecordedSpec[];
  unmatched: UnmatchedEndpoint[];
  duplicates: number;
  warnings: string[];
  /** With `verify`: examples not written because they did not hold when sent again. */
  notReproducible: NotReproducible[];
  /** With `verify`: expected values loosened to their type because they changed when sent again. */
  loosened: number;
}

export async function recordExamples(options: RecordExamplesOptions): Promise<RecordExamplesResult> {
  const set = loadSpecs(options.specsDir, options.cwd);
  // Dedupe and naming need every example of every spec: a file left out could get a second
  // copy of what it already has, so refuse rather than write half a set.
  if (set.diagnostics.length > 0) {
    const files = new Set(set.diagnostics.map((d) => d.file)).size;
    throw new ParityError('SPEC_INVALID', `${plural(files, 'spec file')} could not be loaded; no example was added`, {
      diagnostics: set.diagnostics,
      hint: 'fix them (`parity spec lint` lists every problem), then run again',
    });
  }
  const result = examplesFromExchanges(options.exchanges, set.specs, { auth: options.auth, env: options.env });
  const verified = options.verify ? await verifyRecordings(result.specs, options.verify) : { recordings: result.specs, notReproducible: [], loosened: 0 };
  // Render every file before writing any, so a failure leaves all of them as they were.
  const writes = verified.recordings.map(({ spec, examples }) => ({ spec, examples, text: appendExamples(spec, examples) }));
  if (!options.dryRun) for (const { spec, text } of writes) writeFileAtomic(spec.file, text);
  return {
    specs: writes.map(({ spec, examples }) => ({ id: spec.spec.id, file: displayPath(spec.file, options.cwd), added: examples.map((e) => e.name) })),
    unmatched: result.unmatched,
    duplicates: result.duplicates,
    warnings: result.warnings,
    notReproducible: verified.notReproducible,
    loosened: verified.loosened,
  };
}
