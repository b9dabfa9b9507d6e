/**
 * The worked specs of the billing example (specs/billing/): the fifteen endpoint specs a careful
 * review of examples/billing/legacy/ leaves behind. They must lint clean, be approved against
 * the legacy code as it is, cite only lines that exist, and cover every row of the answer key
 * (examples/billing/DIFFERENCES.md) with a `# answer key: <id>` comment on the behaviour it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readAnswerKey } from '../../examples/billing/answer-key.js';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-info.js';
import { lintSpecs } from '../../src/spec/lint.js';
import { listSpecs } from '../../src/spec/list.js';
import { loadSpecs, type LoadedSpec } from '../../src/spec/load.js';
import { parseSpan } from '../../src/spec/span.js';
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { loadSourceProject } from '../../extractors/project.js';
import { runExtractors } from '../../extractors/run.js';
import type { Disposition } from '../../src/spec/schema.js';
import { locate } from '../../src/yaml/source.js';

const root = packageRoot();
const specsDir = path.join(root, 'specs', 'billing');
const legacyDir = path.join(root, 'examples', 'billing', 'legacy');

const ENDPOINTS: Record<string, string> = {
  'customers.create': 'POST /customers',
  'customers.list': 'GET /customers',
  'customers.get': 'GET /customers/{customer_id}',
  'customers.update': 'PATCH /customers/{customer_id}',
  'customers.invoices': 'GET /customers/{customer_id}/invoices',
  'invoices.create': 'POST /invoices',
  'invoices.get': 'GET /invoices/{invoice_id}',
  'invoices.finalize': 'POST /invoices/{invoice_id}/finalize',
  'invoices.void': 'POST /invoices/{invoice_id}/void',
  'payments.create': 'POST /payments',
  'payments.get': 'GET /payments/{payment_id}',
  'refunds.create': 'POST /payments/{payment_id}/refunds',
  'subscriptions.create': 'POST /subscriptions',
  'subscriptions.cancel': 'POST /subscriptions/{subscription_id}/cancel',
  'webhooks.provider': 'POST /webhooks/provider',
};

interface AnswerKeyComment {
  row: string;
  spec: LoadedSpec;
  /** 1-based line of the comment. */
  line: number;
  /** The behaviour declared on the next line, if any. */
  behavior?: { id: string; disposition: Disposition };
}

/** Every `# answer key: <id>` comment of a spec, with the behaviour declared right below it. */
function answerKeyComments(loaded: LoadedSpec): AnswerKeyComment[] {
  const behaviorAtLine = new Map<number, { id: string; disposition: Disposition }>();
  loaded.spec.behaviors.forEach((behavior, i) => {
    behaviorAtLine.set(locate(loaded.source, ['behaviors', i, 'id'], 'key').line, { id: behavior.id, disposition: behavior.disposition });
  });
  const found: AnswerKeyComment[] = [];
  loaded.source.text.split(/\r?\n/).forEach((text, index) => {
    const match = /^\s*#\s*answer key:\s*(\S+)\s*$/.exec(text);
    if (!match) return;
    const line = index + 1;
    const behavior = behaviorAtLine.get(line + 1);
    found.push({ row: match[1]!, spec: loaded, line, ...(behavior && { behavior }) });
  });
  return found;
}

const lineCounts = new Map<string, number>();
function lineCount(file: string): number {
  let count = lineCounts.get(file);
  if (count === undefined) {
    const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
    count = lines.at(-1) === '' ? lines.length - 1 : lines.length;
    lineCounts.set(file, count);
  }
  return count;
}

/** Every evidence reference of a spec, with where in the spec it is. */
function evidenceOf(loaded: LoadedSpec): { where: string; evidence: string }[] {
  const { spec } = loaded;
  const x = spec.extracted ?? {};
  const refs: { where: string; evidence: string | undefined }[] = [
    { where: 'extracted.handler', evidence: x.handler },
    ...(x.params ?? []).map((p, i) => ({ where: `extracted.params[${i}]`, evidence: p.evidence })),
    ...(x.guards ?? []).map((g, i) => ({ where: `extracted.guards[${i}]`, evidence: g.evidence })),
    ...(x.outcomes ?? []).map((o, i) => ({ where: `extracted.outcomes[${i}]`, evidence: o.evidence })),
    ...(x.side_effects ?? []).map((s, i) => ({ where: `extracted.side_effects[${i}]`, evidence: s.evidence })),
    ...(x.volatile ?? []).map((v, i) => ({ where: `extracted.volatile[${i}]`, evidence: v.evidence })),
    ...spec.behaviors.flatMap((b) => (b.evidence ?? []).map((evidence, i) => ({ where: `behaviors.${b.id}.evidence[${i}]`, evidence }))),
  ];
  return refs.filter((r): r is { where: string; evidence: string } => r.evidence !== undefined);
}

describe('the worked specs of the billing example', () => {
  const set = loadSpecs(specsDir, root);
  const specs = set.specs;

  it('load, and lint without a single problem', () => {
    expect(set.diagnostics).toEqual([]);
    const result = lintSpecs({ specsDir, cwd: root });
    expect(result.problems).toEqual([]);
    expect(result.files).toBe(15);
    expect(result.specs).toBe(15);
  });

  it('are the fifteen endpoints of the billing API, with the agreed ids', () => {
    expect(Object.fromEntries(specs.map((s) => [s.spec.id, s.spec.endpoint]))).toEqual(ENDPOINTS);
    for (const loaded of specs) expect(path.basename(loaded.file)).toBe(`${loaded.spec.id}.yaml`);
  });

  it('are all approved', () => {
    const listing = listSpecs({ specsDir, cwd: root });
    expect(listing.unloaded).toEqual([]);
    expect(listing.problems).toEqual([]);
    expect(listing.specs.filter((s) => s.status !== 'approved').map((s) => `${s.id}: ${s.status} (${s.reasons.join('; ')})`)).toEqual([]);
    expect(listing.counts.approved).toBe(15);
  });

  it('carry the handler and source hash `parity extract` computes now: editing the legacy code fails this test (drift, by design; re-extract and approve again)', () => {
    const extracted = runExtractors(loadSourceProject(legacyDir), { extractors: ALL_EXTRACTORS }).endpoints;
    const routeKey = (endpoint: string) => endpoint.replace(/\{[^}]+\}/g, '{}');
    const byRoute = new Map(extracted.map((e) => [routeKey(`${e.method} ${e.path}`), e]));
    for (const { spec } of specs) {
      const facts = byRoute.get(routeKey(spec.endpoint));
      expect(facts, `${spec.id}: extracted from the legacy`).toBeDefined();
      expect(spec.extracted?.handler, `${spec.id}: extracted.handler`).toBe(facts!.handler);
      expect(spec.extracted?.source_hash, `${spec.id}: extracted.source_hash`).toBe(facts!.source_hash);
      expect(spec.approval?.source_hash, `${spec.id}: approval.source_hash`).toBe(spec.extracted?.source_hash);
    }
  });

  it('cite only files and lines that exist in the legacy source', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const loaded of specs) {
      for (const { where, evidence } of evidenceOf(loaded)) {
        checked++;
        const span = parseSpan(evidence);
        const file = path.join(legacyDir, span.file);
        if (!fs.existsSync(file)) broken.push(`${loaded.spec.id} ${where}: ${evidence}: no such file`);
        else if (span.end > lineCount(file)) broken.push(`${loaded.spec.id} ${where}: ${evidence}: past the end (${lineCount(file)} lines)`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  it('mark every row of DIFFERENCES.md on a behaviour of an endpoint the row names', () => {
    const rows = readAnswerKey();
    expect(rows.map((r) => r.id).sort()).toEqual(['B1', 'B2', 'B3', 'R1', 'R2', ...Array.from({ length: 15 }, (_, i) => `Q${i + 1}`)].sort());
    const comments = specs.flatMap(answerKeyComments);
    for (const comment of comments) {
      expect(
        rows.map((r) => r.id),
        `${comment.spec.source.file}:${comment.line}`,
      ).toContain(comment.row);
      expect(comment.behavior, `${comment.spec.source.file}:${comment.line}: "# answer key: ${comment.row}" must sit directly above a behaviour`).toBeDefined();
    }
    for (const row of rows) {
      const marked = comments.filter((c) => c.row === row.id);
      const onNamedEndpoint = marked.filter((c) => row.endpoints.length === 0 || row.endpoints.includes(c.spec.spec.endpoint));
      expect(onNamedEndpoint.length, `${row.id} is marked on no spec of ${row.endpoints.join(', ') || 'any endpoint'}`).toBeGreaterThan(0);
      // every endpoint a row names carries it
      for (const endpoint of row.endpoints) {
        expect(
          marked.some((c) => c.spec.spec.endpoint === endpoint),
          `${row.id} is not marked on ${endpoint}`,
        ).toBe(true);
      }
      // and it is not marked on endpoints the row does not name
      for (const c of marked) {
        if (row.endpoints.length > 0)
          expect(row.endpoints, `${c.spec.source.file}:${c.line}: ${row.id} does not concern ${c.spec.spec.endpoint}`).toContain(c.spec.spec.endpoint);
      }
    }
    for (const every of ['Q1', 'Q11']) {
      const ids = new Set(comments.filter((c) => c.row === every).map((c) => c.spec.spec.id));
      expect(ids.has('customers.get'), `${every} on customers.get`).toBe(true);
      expect(ids.size, `${every} on more than one spec`).toBeGreaterThan(1);
    }
  });

  it('mark bug fixes on fix behaviours, quirks and regressions on preserve behaviours', () => {
    const comments = specs.flatMap(answerKeyComments);
    expect(comments.length).toBeGreaterThan(20);
    for (const comment of comments) {
      const expected: Disposition = comment.row.startsWith('B') ? 'fix' : 'preserve';
      expect(comment.behavior?.disposition, `${comment.spec.source.file}:${comment.line}: ${comment.row} above "${comment.behavior?.id}"`).toBe(expected);
    }
    // and the other way round: the only fix behaviours are the three bugs
    const fixes = specs.flatMap((s) => s.spec.behaviors.filter((b) => b.disposition === 'fix').map((b) => `${s.spec.id}/${b.id}`));
    const markedFixes = comments.filter((c) => c.behavior?.disposition === 'fix').map((c) => `${c.spec.spec.id}/${c.behavior!.id}`);
    expect(fixes.sort()).toEqual(markedFixes.sort());
    expect(new Set(comments.filter((c) => c.behavior?.disposition === 'fix').map((c) => c.row))).toEqual(new Set(['B1', 'B2', 'B3']));
  });

  it('decide every behaviour, and demonstrate each one with at least one example', () => {
    const missing: string[] = [];
    for (const { spec } of specs) {
      expect(spec.behaviors.length, spec.id).toBeGreaterThan(0);
      for (const behavior of spec.behaviors) {
        expect(behavior.disposition, `${spec.id}/${behavior.id}`).not.toBe('undecided');
        if (!spec.examples.some((e) => e.behavior === behavior.id)) missing.push(`${spec.id}/${behavior.id}`);
      }
      for (const example of spec.examples) expect(example.behavior, `${spec.id}: example "${example.name}" names its behaviour`).toBeDefined();
    }
    expect(missing).toEqual([]);
  });
});
