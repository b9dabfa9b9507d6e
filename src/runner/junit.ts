/**
 * JUnit XML for CI systems: one <testsuite> per target, one <testcase> per example, named
 * `spec id` (classname) and example name. A rewrite result is a <failure> when it misses its
 * expectation; request problems are <error>; dropped and unwritten sides are <skipped>.
 */
import type { Difference } from '../compare/response.js';
import type { ExampleResult, Target, TargetResult, TestRun } from './run.js';
import { TARGETS } from './run.js';

type CaseStatus = 'passed' | 'failure' | 'error' | 'skipped';

/** A rewrite that met its expectations but answered differently from the legacy (--diff) is a failure too. */
function caseStatus(result: ExampleResult, target: Target): CaseStatus {
  const { outcome } = result[target];
  if (outcome === 'fail') return 'failure';
  if (outcome === 'error') return 'error';
  if (outcome === 'skipped') return 'skipped';
  return target === 'rewrite' && (result.differences?.length ?? 0) > 0 ? 'failure' : 'passed';
}

export function renderJunit(run: TestRun): string {
  const suites = TARGETS.map((target) => suite(run, target));
  const count = (status: CaseStatus) => run.results.reduce((n, r) => n + TARGETS.filter((t) => caseStatus(r, t) === status).length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="parity" tests="${run.results.length * TARGETS.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${seconds(run.durationMs)}" timestamp="${run.startedAt}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function suite(run: TestRun, target: Target): string {
  const results = run.results;
  const statuses = results.map((r) => caseStatus(r, target));
  const time = results.reduce((sum, r) => sum + r[target].durationMs, 0);
  const url = target === 'legacy' ? run.legacyUrl : run.rewriteUrl;
  return [
    `  <testsuite name="${target}" tests="${results.length}" failures="${statuses.filter((o) => o === 'failure').length}" errors="${statuses.filter((o) => o === 'error').length}" skipped="${statuses.filter((o) => o === 'skipped').length}" time="${seconds(time)}" timestamp="${run.startedAt}">`,
    `    <properties><property name="url" value="${xml(url)}"/></properties>`,
    ...results.map((result) => testcase(result, target)),
    '  </testsuite>',
  ].join('\n');
}

function testcase(result: ExampleResult, target: Target): string {
  const side = result[target];
  const open = `    <testcase classname="${xml(result.specId)}" name="${xml(result.example)}" file="${xml(result.file)}" line="${result.line}" time="${seconds(side.durationMs)}"`;
  const differing = target === 'rewrite' && (result.differences?.length ?? 0) > 0;
  switch (side.outcome) {
    case 'pass':
    case 'bug-gone':
      if (!differing) return side.outcome === 'pass' ? `${open}/>` : `${open}>\n      <system-out>${xml(side.reason ?? '')}</system-out>\n    </testcase>`;
      return `${open}>\n      <failure message="the responses differ from the legacy's" type="difference">${xml(differenceText(result))}</failure>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped message="${xml(side.reason ?? 'skipped')}"/>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${xml(side.reason ?? 'error')}" type="error">${xml(failureText(side))}</error>\n    </testcase>`;
    case 'fail': {
      const first = side.steps.find((s) => s.mismatches.length > 0)?.mismatches[0];
      return `${open}>\n      <failure message="${xml(first ? `${first.path}: ${first.message}` : 'failed')}" type="expectation">${xml(failureText(side))}</failure>\n    </testcase>`;
    }
  }
}

/** The failed steps as text: what was sent and each mismatch. */
export function failureText(side: TargetResult): string {
  return side.steps
    .filter((step) => step.mismatches.length > 0 || step.error !== undefined)
    .map((step) =>
      [
        `${step.method} ${step.path} (line ${step.line})${step.status === undefined ? '' : ` -> ${step.status}`}`,
        ...(step.error ? [`  ${step.error}`] : []),
        ...step.mismatches.map((m) => `  ${m.path}: ${m.message}`),
        ...(step.responseExcerpt ? [`  response: ${step.responseExcerpt}`] : []),
      ].join('\n'),
    )
    .join('\n');
}

function differenceText(result: ExampleResult): string {
  return (result.differences ?? [])
    .map((step) => [`${step.method} ${step.path} (line ${step.line})`, ...step.differences.map((d) => `  ${describeDifference(d)}`)].join('\n'))
    .join('\n');
}

/** One difference in words: `$.address missing: legacy null, rewrite (absent)`. */
export function describeDifference(d: Difference): string {
  if (d.kind === 'order') return `${d.path} order: the same items in a different order`;
  return `${d.path} ${d.kind}: legacy ${show(d.primary)}, rewrite ${show(d.candidate)}`;
}

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped rather than producing a file CI cannot parse.
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
