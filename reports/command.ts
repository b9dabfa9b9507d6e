/**
 * `parity report` as a library function: the workspace's specs and thresholds, the stores to
 * read, the window; returns the report and its rendering. The CLI only parses flags, calls this
 * and writes the result.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Workspace } from '../src/config/load.js';
import { parseDuration } from '../src/config/schema.js';
import { ParityError } from '../src/errors.js';
import { writeFileAtomic } from '../src/fsutil.js';
import { displayPath } from '../src/paths.js';
import { loadSpecs } from '../src/spec/load.js';
import { plural } from '../src/text.js';
import type { ReadinessReport } from './model.js';
import { buildReadinessReport, thresholdsOf } from './readiness.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCommandOptions {
  workspace: Workspace;
  cwd: string;
  /** Store files; default: the workspace's store. */
  stores?: readonly string[];
  /** A duration back from now ("7d", "36h") or an ISO date/time. */
  since?: string;
  endpoint?: string;
  /** Default: from the extension of `out`, else md. */
  format?: ReportFormat;
  /** Write here (atomically) instead of returning the text only. */
  out?: string;
  now?: number;
}

export interface ReportCommandResult {
  report: ReadinessReport;
  format: ReportFormat;
  text: string;
  /** Where it was written, as shown to the user; null when not written. */
  written: string | null;
}

export function readinessReport(options: ReportCommandOptions): ReportCommandResult {
  const now = options.now ?? Date.now();
  const format = options.format ?? formatOfFile(options.out) ?? 'md';
  const since = options.since === undefined ? undefined : parseSince(options.since, now);
  const stores = options.stores && options.stores.length > 0 ? [...options.stores] : [options.workspace.storePath];
  const set = fs.existsSync(options.workspace.specsDir) ? loadSpecs(options.workspace.specsDir, options.cwd) : undefined;
  if (set && set.diagnostics.length > 0) {
    throw new ParityError(
      'SPEC_INVALID',
      `${plural(new Set(set.diagnostics.map((d) => d.file)).size, 'spec file')} could not be loaded; the report judges every endpoint against its spec`,
      { diagnostics: set.diagnostics },
    );
  }
  const report = buildReadinessReport({
    stores: stores.map((file) => path.resolve(options.cwd, file)),
    nameOf: (file) => displayPath(file, options.cwd),
    specs: set?.specs ?? [],
    thresholds: thresholdsOf(options.workspace.report),
    compareRules: options.workspace.shadow.compare ?? {},
    cwd: options.cwd,
    now,
    ...(since !== undefined && { since }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  });
  const text = renderReport(report, format);
  if (options.out !== undefined) writeFileAtomic(path.resolve(options.cwd, options.out), text);
  return { report, format, text, written: options.out === undefined ? null : displayPath(path.resolve(options.cwd, options.out), options.cwd) };
}

export function renderReport(report: ReadinessReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'html' ? renderHtml(report) : renderMarkdown(report);
}

function formatOfFile(file: string | undefined): ReportFormat | undefined {
  if (file === undefined) return undefined;
  const extension = file.toLowerCase().split('.').pop();
  if (extension === 'html' || extension === 'htm') return 'html';
  if (extension === 'json') return 'json';
  if (extension === 'md' || extension === 'markdown') return 'md';
  return undefined;
}

/** "7d" / "36h" back from now, or an ISO 8601 date or date-time. */
export function parseSince(value: string, now: number): number {
  const duration = parseDuration(value);
  if (duration !== undefined) return now - duration;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const at = Date.parse(value.trim());
    if (Number.isFinite(at)) return at;
  }
  throw new ParityError('USAGE', `--since: expected a duration such as "7d", "36h" or "90m", or a date such as 2026-11-01, got ${JSON.stringify(value)}`);
}
