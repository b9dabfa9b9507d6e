/**
 * Writing extraction results into the specs directory. A new endpoint gets a draft; an existing
 * spec gets only its machine-owned `extracted` block replaced, byte-for-byte everything else, so
 * re-running extraction never touches what reviewers wrote. An approved spec whose source hash
 * changes is reported as drifted (its status says so from then on).
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { EndpointFacts } from '../../extractors/types.js';
import { ParityError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { describeChanges } from './changes.js';
import { canonicalJson } from '../hash.js';
import { packageRoot } from '../package-info.js';
import { displayPath } from '../paths.js';
import { setTopLevelBlock } from '../yaml/edit.js';
import { loadSpecs, type LoadedSpec } from '../spec/load.js';
import { parseEndpoint, type Extracted, type ExtractedLlm } from '../spec/schema.js';

export interface DraftChange {
  id: string;
  endpoint: string;
  file: string;
}

export interface DraftsResult {
  created: DraftChange[];
  updated: DraftChange[];
  unchanged: DraftChange[];
  /** Approved specs whose legacy source hash changed with this extraction. */
  drifted: (DraftChange & { from: string | undefined; to: string; changes: string[] })[];
}

export interface WriteDraftsOptions {
  specsDir: string;
  cwd: string;
  endpoints: readonly EndpointFacts[];
  /** Descriptions by Claude (`--llm`) keyed by "METHOD /path", written into `extracted.llm`. */
  descriptions?: ReadonlyMap<string, ExtractedLlm>;
}

export function writeDrafts(options: WriteDraftsOptions): DraftsResult {
  fs.mkdirSync(options.specsDir, { recursive: true });
  const set = loadSpecs(options.specsDir, options.cwd);
  // A spec that does not load cannot be matched to its endpoint, and a second draft for that
  // endpoint would be written beside it: nothing is written until every spec loads.
  if (set.diagnostics.length > 0) {
    throw new ParityError('SPEC_INVALID', 'some specs do not load, so drafts cannot be matched to them; fix these first', { diagnostics: set.diagnostics });
  }
  const byRoute = new Map<string, LoadedSpec>(set.specs.map((s) => [s.endpoint.routeKey, s]));
  const takenIds = new Set(set.specs.map((s) => s.spec.id));
  const takenFiles = new Set(set.files);
  const result: DraftsResult = { created: [], updated: [], unchanged: [], drifted: [] };

  for (const facts of options.endpoints) {
    const endpoint = `${facts.method} ${facts.path}`;
    const existing = byRoute.get(parseEndpoint(endpoint).routeKey);
    const extracted = extractedOf(facts);
    // A run without --llm (or one whose request for this endpoint failed) keeps the description
    // written earlier while it still describes the same code.
    const before = existing?.spec.extracted;
    const description = options.descriptions?.get(endpoint) ?? (before?.source_hash === facts.source_hash ? before?.llm : undefined);
    if (description) extracted.llm = description;
    if (existing) {
      const change = { id: existing.spec.id, endpoint: existing.spec.endpoint, file: displayPath(existing.file, options.cwd) };
      const approval = existing.spec.approval;
      // An approved spec whose legacy moved keeps a running account of what moved since, so that
      // `parity spec status` can say it; approving again clears it at the next extraction.
      const drifted = approval !== undefined && approval.source_hash !== facts.source_hash;
      if (drifted) {
        const previous = existing.spec.extracted;
        const known = previous?.changes_since_approval ?? [];
        const fresh = previous?.source_hash === facts.source_hash ? [] : describeChanges(previous, extracted);
        extracted.changes_since_approval = [...new Set([...known, ...fresh])];
      }
      if (canonicalJson(existing.spec.extracted ?? null) === canonicalJson(extracted)) {
        result.unchanged.push(change);
        continue;
      }
      writeFileAtomic(existing.file, setTopLevelBlock(existing.source, 'extracted', extracted, { insertAfter: ['approval', 'endpoint', 'id'] }));
      result.updated.push(change);
      if (drifted) result.drifted.push({ ...change, from: approval.source_hash, to: facts.source_hash, changes: extracted.changes_since_approval ?? [] });
      continue;
    }
    const id = uniqueId(specIdFor(facts.method, facts.path), takenIds);
    takenIds.add(id);
    const file = uniqueFile(path.join(options.specsDir, `${id}.yaml`), takenFiles);
    takenFiles.add(file);
    writeFileAtomic(file, renderDraft(id, endpoint, extracted, facts, path.dirname(file)));
    result.created.push({ id, endpoint, file: displayPath(file, options.cwd) });
  }
  return result;
}

function extractedOf(facts: EndpointFacts): Extracted {
  const extracted: Extracted = { framework: facts.framework, handler: facts.handler, source_hash: facts.source_hash };
  if (facts.params.length > 0) extracted.params = facts.params;
  if (facts.guards.length > 0) extracted.guards = facts.guards;
  if (facts.outcomes.length > 0) extracted.outcomes = facts.outcomes;
  if (facts.side_effects.length > 0) extracted.side_effects = facts.side_effects;
  if (facts.volatile.length > 0) extracted.volatile = facts.volatile;
  return extracted;
}

const ACTIONS: Record<string, [collection: string, item: string]> = {
  GET: ['list', 'get'],
  POST: ['create', 'create'],
  PUT: ['replace', 'replace'],
  PATCH: ['update', 'update'],
  DELETE: ['delete', 'delete'],
  HEAD: ['head', 'head'],
  OPTIONS: ['options', 'options'],
  '*': ['any', 'any'],
};

/**
 * A readable id from the route: `GET /customers` is `customers.list`, `GET /customers/{id}` is
 * `customers.get`, `POST /invoices/{id}/finalize` is `invoices.finalize`.
 */
export function specIdFor(method: string, route: string): string {
  const segments = route.split('/').filter((s) => s !== '');
  const words = segments
    .filter((s) => !s.startsWith('{'))
    .map((s) =>
      s
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean);
  const endsWithParam = segments.length > 0 && segments[segments.length - 1]!.startsWith('{');
  const [collection, item] = ACTIONS[method] ?? ['call', 'call'];
  // A POST to a literal segment after an item (`/invoices/{id}/finalize`) is an action named by that segment.
  if (method === 'POST' && segments.length >= 2 && !endsWithParam && segments[segments.length - 2]!.startsWith('{')) {
    return words.length > 0 ? words.join('.') : 'root.create';
  }
  const action = endsWithParam ? item : collection;
  return [...(words.length > 0 ? words : ['root']), action].join('.');
}

function uniqueId(base: string, taken: ReadonlySet<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

function uniqueFile(file: string, taken: ReadonlySet<string>): string {
  let candidate = file;
  for (let n = 2; taken.has(candidate) || fs.existsSync(candidate); n++) candidate = file.replace(/\.yaml$/, `-${n}.yaml`);
  return candidate;
}

/** A draft: the facts, and behaviours proposed from them for the reviewer to decide. */
function renderDraft(id: string, endpoint: string, extracted: Extracted, facts: EndpointFacts, dir: string): string {
  const schema = path
    .relative(dir, path.join(packageRoot(), 'specs', 'schema.json'))
    .split(path.sep)
    .join('/');
  const machine = stringify({ id, endpoint, extracted }, { lineWidth: 0 });
  const human = stringify(
    { summary: null, who_may_call: null, rate_limit: null, idempotency: null, behaviors: proposedBehaviors(facts), examples: [] },
    { lineWidth: 0, nullStr: '' },
  );
  return `# yaml-language-server: $schema=${schema}
# Drafted by \`parity extract\` from ${facts.handler}.
# \`extracted\` is rewritten by every extraction; the rest is yours: say who may call this endpoint
# and its rate limit, decide each behaviour (preserve, fix or drop), add examples, then run
# \`parity spec approve ${id} --by NAME\`.
${machine}
${human}`;
}

function proposedBehaviors(facts: EndpointFacts): { id: string; says: string; disposition: 'undecided'; evidence: string[] }[] {
  const behaviors: { id: string; says: string; disposition: 'undecided'; evidence: string[] }[] = [];
  const ids = new Set<string>();
  const add = (base: string, says: string, evidence: string | undefined) => {
    const id = uniqueId(base, ids);
    ids.add(id);
    behaviors.push({ id, says, disposition: 'undecided', evidence: evidence ? [evidence] : [] });
  };
  for (const guard of facts.guards)
    add(`guard-${slug(guard.kind)}`, `Requires ${guard.text} (${guard.kind}${guard.level ? `, set at ${guard.level} level` : ''}).`, guard.evidence);
  for (const outcome of facts.outcomes) {
    const body = outcome.body === undefined ? '' : ` with ${typeof outcome.body === 'string' ? outcome.body : JSON.stringify(outcome.body)}`;
    add(
      `answers-${outcome.status}${outcome.when ? `-${slug(outcome.when)}` : ''}`,
      `Answers ${outcome.status}${body}${outcome.when ? ` when ${outcome.when}` : ''}.`,
      outcome.evidence,
    );
  }
  for (const effect of facts.side_effects)
    add(`${slug(effect.kind)}-${slug(effect.target)}`, `Side effect: ${effect.kind.replace('_', ' ')} ${effect.target}.`, effect.evidence);
  return behaviors;
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'x'
  );
}
