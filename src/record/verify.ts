/**
 * Checking recorded examples by sending them again, before they are written.
 *
 * One recorded exchange cannot tell a stable field from one that changes with every request or
 * with the state of the upstream (a list that grows, a counter, a timestamp no rule recognised).
 * So each new example is replayed against the upstream: an expected field that came back
 * different is loosened to its type (Diffy's idea of learning noise from a second call), and the
 * example is replayed once more. An example whose status does not reproduce (a 429 recorded
 * under load, a 409 that depended on an earlier request) or that still fails is not written: it
 * is reported as not reproducible. One that passes is run once more, as a test suite would: an
 * example that passes only once is not written either. So every example `parity record` writes
 * has passed against the upstream twice in a row as written, and, given a fresh instance of the
 * same legacy (`--verify-fresh`), twice there too.
 */
import { parseJsonPath } from '../jsonpath.js';
import { planExample } from '../runner/plan.js';
import type { Mismatch } from '../runner/expect.js';
import { runOnOneSide, type SideOptions } from '../runner/run.js';
import type { LoadedSpec } from '../spec/load.js';
import type { Example, Expectation, Step } from '../spec/schema.js';
import type { SpecRecording } from './examples.js';
import { withUniqueValues } from './unique.js';
import { jsonType } from './volatile.js';

export interface VerifyOptions extends SideOptions {
  timeoutMs: number;
  /**
   * A fresh instance of the same legacy (an empty or freshly seeded database): each example must
   * pass there too, twice, so it carries every step that creates what it needs.
   */
  freshUrl?: string;
}

export interface NotReproducible {
  specId: string;
  example: string;
  reason: string;
}

export interface Verification {
  recordings: SpecRecording[];
  notReproducible: NotReproducible[];
  /** How many expected values were loosened to their type because they changed on replay. */
  loosened: number;
}

export async function verifyRecordings(recordings: readonly SpecRecording[], options: VerifyOptions): Promise<Verification> {
  const notReproducible: NotReproducible[] = [];
  let loosened = 0;
  const kept: SpecRecording[] = [];
  for (const recording of recordings) {
    const examples: Example[] = [];
    for (const [offset, original] of recording.examples.entries()) {
      const index = recording.spec.spec.examples.length + offset;
      let outcome = await verifyOne(recording.spec, original, index, options);
      // Passing only once (a registration whose username the upstream now holds) is what values unique per run fix.
      const unique = outcome.reason === undefined ? undefined : withUniqueValues(original);
      if (unique) {
        const retried = await verifyOne(recording.spec, unique, index, options);
        if (retried.reason === undefined) outcome = retried;
      }
      loosened += outcome.loosened;
      if (outcome.reason === undefined) examples.push(outcome.example);
      else notReproducible.push({ specId: recording.spec.spec.id, example: original.name, reason: outcome.reason });
    }
    if (examples.length > 0) kept.push({ spec: recording.spec, examples });
  }
  return { recordings: kept, notReproducible, loosened };
}

/**
 * Sends the example, loosens what changed and sends it again; then, once it passes, runs it once
 * more, as a test suite would: an example that passes only once is not reproducible either.
 */
async function verifyOne(
  spec: LoadedSpec,
  original: Example,
  index: number,
  options: VerifyOptions,
): Promise<{ example: Example; reason: string | undefined; loosened: number }> {
  const send = async (example: Example, baseUrl = options.baseUrl) =>
    (await runOnOneSide([planExample(spec, example, index)], { ...options, baseUrl, target: 'legacy' }))[0]!.result;
  let example = original;
  let loosened = 0;
  let reason: string | undefined;
  for (let round = 0; round < 2; round++) {
    const result = await send(example);
    if (result.outcome === 'pass') {
      reason = undefined;
      break;
    }
    reason = result.reason ?? firstMismatch(result.steps.flatMap((s) => s.mismatches));
    if (result.outcome === 'error' || round === 1) break;
    const loosenedExample = loosen(spec, example, result.steps);
    if (!loosenedExample) break;
    loosened += loosenedExample.count;
    example = loosenedExample.example;
  }
  if (reason === undefined) {
    const again = await send(example);
    if (again.outcome !== 'pass')
      reason = `passed once, then failed when run again: ${again.reason ?? firstMismatch(again.steps.flatMap((s) => s.mismatches))}`;
  }
  for (let time = 0; reason === undefined && options.freshUrl !== undefined && time < 2; time++) {
    const fresh = await send(example, options.freshUrl);
    if (fresh.outcome !== 'pass') {
      const why = fresh.reason ?? firstMismatch(fresh.steps.flatMap((s) => s.mismatches));
      reason = `passes on the recorded upstream but not on the fresh instance at ${options.freshUrl}${time === 1 ? ' when run again' : ''} (it needs data only the recording's database had): ${why}`;
    }
  }
  return { example, reason, loosened };
}

function firstMismatch(mismatches: readonly Mismatch[]): string {
  const first = mismatches[0];
  return first ? `${first.path}: ${first.message}` : 'failed when sent again';
}

/** The example with every field that came back different loosened to its type, or undefined when that cannot help. */
function loosen(
  loaded: LoadedSpec,
  example: Example,
  steps: readonly { phase: string; mismatches: readonly Mismatch[] }[],
): { example: Example; count: number } | undefined {
  const copy = structuredClone(example);
  // A single-request example carries `request` and `expect` itself, exactly the fields of a step.
  const ownSteps: Step[] = copy.steps ?? [copy as unknown as Step];
  const setup = loaded.spec.setup?.length ?? 0;
  let count = 0;
  for (const [i, report] of steps.entries()) {
    if (report.mismatches.length === 0) continue;
    if (report.phase !== 'example') return undefined;
    const step = ownSteps[i - setup];
    const expectation = step?.expect;
    if (!step || !expectation) return undefined;
    for (const mismatch of report.mismatches) {
      if (!loosenOne(expectation, mismatch)) return undefined;
      count += 1;
    }
  }
  return count > 0 ? { example: copy, count } : undefined;
}

function loosenOne(expectation: Expectation, mismatch: Mismatch): boolean {
  if (mismatch.path === 'status' || mismatch.message.startsWith('capture ')) return false;
  if (mismatch.path.startsWith('header:')) {
    const name = mismatch.path.slice('header:'.length);
    for (const key of Object.keys(expectation.headers ?? {})) if (key.toLowerCase() === name) delete expectation.headers![key];
    return true;
  }
  if (mismatch.path === 'body') {
    delete expectation.body;
    return true;
  }
  if (!mismatch.path.startsWith('$') || expectation.json === undefined) return false;
  const replacement = /^expected \d+ items/.test(mismatch.message)
    ? { $type: 'array' }
    : 'actual' in mismatch
      ? { $type: jsonType(mismatch.actual) }
      : // Present when recorded, missing when sent again.
        { $ignore: true };
  const segments = parseJsonPath(mismatch.path);
  if (segments.length === 0) {
    expectation.json = replacement;
    return true;
  }
  let parent: unknown = expectation.json;
  for (const segment of segments.slice(0, -1)) {
    if (segment.kind === 'wildcard' || parent === null || typeof parent !== 'object') return false;
    parent = segment.kind === 'index' ? (parent as unknown[])[segment.index] : (parent as Record<string, unknown>)[segment.name];
  }
  const last = segments.at(-1)!;
  if (last.kind === 'wildcard' || parent === null || typeof parent !== 'object') return false;
  if (last.kind === 'index') {
    if (!Array.isArray(parent)) return false;
    parent[last.index] = replacement;
  } else (parent as Record<string, unknown>)[last.name] = replacement;
  return true;
}
