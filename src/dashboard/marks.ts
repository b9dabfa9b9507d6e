/**
 * Marking a difference signature from the dashboard, and undoing it.
 *
 *   noise     the spec's compare rules stop counting it: its JSON paths go to `compare.ignore`
 *             (an `order` difference: `compare.unordered`), its headers to `compare.ignore_headers`,
 *             a header parameter (`content-type;charset`) to `compare.ignore_header_parameters`.
 *             A status or whole-body difference cannot be noise: it would hide every answer.
 *   expected  the signature goes to the chosen fix behaviour's `signatures`: the shadow comparator
 *             and the report count it as that fix.
 *   bug       it stays counted; the mark says a person looked and agrees.
 *
 * The spec file is edited in place, every other byte kept (src/yaml/sequence.ts), and checked to
 * still load before it is written (atomically). The store remembers what was added, so undo
 * removes exactly that. Neither edit touches what an approval is bound to.
 */
import fs from 'node:fs';
import { ParityError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { displayPath } from '../paths.js';
import { parseSpecText, type LoadedSpec } from '../spec/load.js';
import { openStore } from '../store/store.js';
import { appendToSequence, removeFromSequence, removeKeyIfEmpty } from '../yaml/sequence.js';
import { parseYamlSource } from '../yaml/source.js';
import type { MarkKind, MarkResult, SignatureMark } from './api.js';

export interface MarkOptions {
  /** The store marks are kept in. */
  store: string;
  cwd: string;
  endpoint: string;
  signature: string;
  /** The endpoint's spec, when there is one. */
  spec: LoadedSpec | null;
  /** The signature's differing paths and kinds, as the store has them. */
  parts: readonly { pattern: string; kind: string }[];
}

/** The compare rule lists a noise mark appends to. */
const RULE_KEYS = ['ignore', 'unordered', 'ignore_headers', 'ignore_header_parameters'] as const;

/** What a mark added to the spec file. */
interface SpecChange {
  ignore?: string[];
  unordered?: string[];
  ignore_headers?: string[];
  ignore_header_parameters?: string[];
  /** The fix behaviour whose `signatures` got the signature. */
  behavior?: string;
  /** Keys the mark had to create (`compare`, `compare.ignore`, `signatures`): undo removes them again once empty. */
  created?: string[];
}

interface MarkRow {
  mark: MarkKind;
  behavior: string | null;
  spec_file: string | null;
  change: string;
  at: number;
}

export function readMarks(store: string, endpoint: string): Map<string, SignatureMark> {
  const opened = openStore(store, { readonly: true });
  try {
    const rows = opened.db.prepare('SELECT signature, mark, behavior, at FROM dashboard_marks WHERE endpoint = ?').all(endpoint) as (SignatureMark & {
      signature: string;
    })[];
    return new Map(rows.map(({ signature, ...mark }) => [signature, mark]));
  } finally {
    opened.close();
  }
}

export function applyMark(options: MarkOptions & { mark: MarkKind; behavior?: string; now?: number }): MarkResult {
  const { endpoint, signature, mark } = options;
  undoMark(options);
  // The undo, or a reviewer, may have edited the file: work on what is there now.
  const spec = options.spec ? reload(options.spec) : null;
  let change: SpecChange = {};
  let linkedTo: string | null = null;
  let words: string | null = null;
  if (mark === 'noise') {
    const loaded = requireSpec(spec, endpoint, 'noise');
    change = noiseRules(options.parts, signature);
    change.created = [
      ...(loaded.spec.compare === undefined ? ['compare'] : []),
      ...RULE_KEYS.filter((key) => change[key] && loaded.spec.compare?.[key] === undefined).map((key) => `compare.${key}`),
    ];
    const text = addRules(loaded, change);
    write(loaded, text);
    words = `added to ${displayPath(loaded.file, options.cwd)}: ${describeChange(change)}`;
  } else if (mark === 'expected') {
    const loaded = requireSpec(spec, endpoint, 'expected');
    const index = loaded.spec.behaviors.findIndex((b) => b.id === options.behavior);
    const behavior = loaded.spec.behaviors[index];
    if (!behavior || behavior.disposition !== 'fix') {
      const fixes = loaded.spec.behaviors.filter((b) => b.disposition === 'fix').map((b) => b.id);
      throw new ParityError(
        'USAGE',
        `expected needs a fix behaviour of ${loaded.spec.id}: ${fixes.length > 0 ? `one of ${fixes.join(', ')}` : 'it has none (set a behaviour to disposition fix first)'}`,
      );
    }
    // Already listed by hand: nothing to add, so nothing for undo to take out.
    const listed = (behavior.signatures ?? []).includes(signature);
    if (!listed) write(loaded, appendToSequence(loaded.source, ['behaviors', index, 'signatures'], [signature]));
    linkedTo = behavior.id;
    change = listed ? {} : { behavior: behavior.id, created: behavior.signatures === undefined ? ['signatures'] : [] };
    words = `linked to fix behaviour ${behavior.id} in ${displayPath(loaded.file, options.cwd)}`;
  }
  const at = options.now ?? Date.now();
  const specFile = mark === 'bug' || !spec ? null : displayPath(spec.file, options.cwd);
  const opened = openStore(options.store);
  try {
    opened.db
      .prepare('INSERT INTO dashboard_marks (endpoint, signature, mark, behavior, spec_file, change, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(endpoint, signature, mark, linkedTo, spec && mark !== 'bug' ? spec.file : null, JSON.stringify(change), at);
  } finally {
    opened.close();
  }
  return {
    endpoint,
    signature,
    mark: { mark, behavior: linkedTo, at },
    spec_file: specFile,
    change: words ?? 'marked as a bug: it stays counted',
  };
}

/** Removes the mark and exactly what it added to the spec file; nothing to undo is not an error. */
export function undoMark(options: Omit<MarkOptions, 'parts'>): MarkResult {
  const { endpoint, signature } = options;
  const opened = openStore(options.store);
  try {
    const row = opened.db
      .prepare('SELECT mark, behavior, spec_file, change, at FROM dashboard_marks WHERE endpoint = ? AND signature = ?')
      .get(endpoint, signature) as MarkRow | undefined;
    if (!row) return { endpoint, signature, mark: null, spec_file: null, change: null };
    const change = JSON.parse(row.change) as SpecChange;
    let words = `removed the ${row.mark} mark`;
    let specFile: string | null = null;
    const spec = options.spec && row.spec_file === options.spec.file ? reload(options.spec) : null;
    if (spec && row.mark !== 'bug') {
      let text = spec.source.text;
      let removed = 0;
      const take = (path: (string | number)[], values: readonly string[] | undefined) => {
        if (!values || values.length === 0) return;
        // Plain YAML between the steps: half-way (`compare:` emptied) the text need not be a valid spec yet.
        const result = removeFromSequence(parseYamlSource(spec.source.file, text).source, path, (value) => values.includes(value as string));
        text = result.text;
        removed += result.removed;
      };
      const created = new Set(change.created ?? []);
      // What the mark created goes too, once empty again, so undo gives back the file as it was.
      const drop = (path: (string | number)[]) => {
        text = removeKeyIfEmpty(parseYamlSource(spec.source.file, text).source, path);
      };
      for (const key of RULE_KEYS) {
        take(['compare', key], change[key]);
        if (created.has(`compare.${key}`)) drop(['compare', key]);
      }
      if (created.has('compare')) drop(['compare']);
      if (change.behavior) {
        const index = spec.spec.behaviors.findIndex((b) => b.id === change.behavior);
        if (index >= 0) {
          take(['behaviors', index, 'signatures'], [signature]);
          if (created.has('signatures')) drop(['behaviors', index, 'signatures']);
        }
      }
      if (removed > 0) {
        write(spec, text);
        specFile = displayPath(spec.file, options.cwd);
        words += ` and took it out of ${specFile}`;
      }
    }
    opened.db.prepare('DELETE FROM dashboard_marks WHERE endpoint = ? AND signature = ?').run(endpoint, signature);
    return { endpoint, signature, mark: null, spec_file: specFile, change: words };
  } finally {
    opened.close();
  }
}

/** The compare rules that stop a signature's differences from counting. */
function noiseRules(parts: readonly { pattern: string; kind: string }[], signature: string): SpecChange {
  const change: Required<Pick<SpecChange, (typeof RULE_KEYS)[number]>> = { ignore: [], unordered: [], ignore_headers: [], ignore_header_parameters: [] };
  for (const part of parts) {
    // One parameter of a header (`header:content-type;charset`): that parameter stops counting, not the header.
    if (part.kind === 'header' && part.pattern.includes(';')) change.ignore_header_parameters.push(part.pattern.slice('header:'.length));
    else if (part.kind === 'header' || part.pattern.startsWith('header:')) change.ignore_headers.push(part.pattern.slice('header:'.length));
    else if (part.kind === 'order') change.unordered.push(part.pattern);
    else if (part.pattern.startsWith('$')) change.ignore.push(part.pattern);
    else if (part.kind === 'line') {
      throw new ParityError(
        'USAGE',
        `${signature}: a line of a text body has no path to ignore; add a \`compare.mask\` to the spec (body: a regex matching the varying text) instead`,
      );
    } else {
      throw new ParityError(
        'USAGE',
        `${signature}: a ${part.kind} difference cannot be marked noise, it would hide every answer of the endpoint; mark it expected (a fix) or a bug`,
      );
    }
  }
  if (parts.length === 0) throw new ParityError('USAGE', `${signature}: the store has no differences for this signature`);
  return Object.fromEntries(Object.entries(change).filter(([, values]) => values.length > 0)) as SpecChange;
}

function addRules(loaded: LoadedSpec, change: SpecChange): string {
  let current = loaded;
  for (const key of RULE_KEYS) {
    const present = new Set<string>(current.spec.compare?.[key] ?? []);
    const values = [...new Set(change[key] ?? [])].filter((value) => !present.has(value));
    if (values.length === 0) continue;
    const text = appendToSequence(current.source, ['compare', key], values);
    current = checked(current, text);
  }
  return current.source.text;
}

function requireSpec(spec: LoadedSpec | null, endpoint: string, mark: MarkKind): LoadedSpec {
  if (!spec) throw new ParityError('USAGE', `no spec covers ${endpoint}: a ${mark} mark is kept in the spec, so write one first (parity extract)`);
  return spec;
}

/** The spec as the file is now: a reviewer may have edited it since the dashboard loaded it. */
function reload(spec: LoadedSpec): LoadedSpec {
  const result = parseSpecText(spec.file, spec.source.file, fs.readFileSync(spec.file, 'utf8'));
  if (!result.spec) throw new ParityError('SPEC_INVALID', `${spec.source.file} no longer loads; fix it before marking`, { diagnostics: result.diagnostics });
  return result.spec;
}

/** The edited text parsed as a spec: an edit may fail, never leave an invalid spec behind. */
function checked(loaded: LoadedSpec, text: string): LoadedSpec {
  const result = parseSpecText(loaded.file, loaded.source.file, text);
  if (!result.spec) throw new Error(`editing ${loaded.source.file} produced an invalid spec: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.spec;
}

function write(loaded: LoadedSpec, text: string): void {
  checked(loaded, text);
  writeFileAtomic(loaded.file, text);
}

function describeChange(change: SpecChange): string {
  const parts: string[] = [];
  if (change.ignore?.length) parts.push(`compare.ignore ${change.ignore.join(', ')}`);
  if (change.unordered?.length) parts.push(`compare.unordered ${change.unordered.join(', ')}`);
  if (change.ignore_headers?.length) parts.push(`compare.ignore_headers ${change.ignore_headers.join(', ')}`);
  if (change.ignore_header_parameters?.length) parts.push(`compare.ignore_header_parameters ${change.ignore_header_parameters.join(', ')}`);
  return parts.join('; ');
}
