/**
 * A spec's status is derived, never stored:
 *   draft     the reviewer's decisions are incomplete (who may call, rate limit, undecided behaviours)
 *   reviewed  every decision is made, but it is not approved (or was edited since approval)
 *   approved  approved, and the legacy source is what it was when approved
 *   drifted   approved, but the legacy source hash changed since: the legacy moved under the spec
 */
import { canonicalJson, sha256 } from '../hash.js';
import { DISPOSITIONS, type Disposition, type Spec } from './schema.js';
import type { LoadedSpec } from './load.js';

export const SPEC_STATUSES = ['draft', 'reviewed', 'approved', 'drifted'] as const;
export type SpecStatus = (typeof SPEC_STATUSES)[number];

export interface StatusInfo {
  status: SpecStatus;
  /** Why the spec is in this status and not approved; empty when approved. */
  reasons: string[];
}

/** Why a spec cannot be approved as it stands; empty when it can. */
export function approvalBlockers(spec: Spec): string[] {
  const blockers: string[] = [];
  if (isBlank(spec.who_may_call)) blockers.push('who_may_call is empty: say who is allowed to call this endpoint');
  if (isBlank(spec.rate_limit)) blockers.push('rate_limit is empty: say what limit applies ("none, intentionally" is an answer)');
  if (spec.behaviors.length === 0) blockers.push('no behaviours: describe at least one behaviour and decide its disposition');
  const undecided = spec.behaviors.filter((b) => b.disposition === 'undecided').map((b) => b.id);
  if (undecided.length > 0) blockers.push(`${undecided.length} undecided behaviour${undecided.length === 1 ? '' : 's'}: ${undecided.join(', ')}`);
  return blockers;
}

/**
 * The hash of what a reviewer decides: the human-owned prose and the behaviours with their
 * dispositions. Examples and compare rules are left out: they are tooling that grows during
 * testing and shadowing (recorded examples, noise rules) without changing what was approved.
 */
export function decisionsHash(spec: Spec): string {
  const decisions = {
    summary: orNull(spec.summary),
    who_may_call: orNull(spec.who_may_call),
    rate_limit: orNull(spec.rate_limit),
    idempotency: orNull(spec.idempotency),
    behaviors: spec.behaviors.map((b) => ({ id: b.id, says: b.says, disposition: b.disposition, evidence: b.evidence ?? [], notes: orNull(b.notes) })),
  };
  return sha256(canonicalJson(decisions));
}

export function specStatus(spec: Spec): StatusInfo {
  const blockers = approvalBlockers(spec);
  if (blockers.length > 0) {
    const withdrawn = spec.approval ? [`approval by ${spec.approval.by} withdrawn: the spec changed since`] : [];
    return { status: 'draft', reasons: [...withdrawn, ...blockers] };
  }
  const approval = spec.approval;
  if (!approval) return { status: 'reviewed', reasons: ['not approved yet'] };
  if (approval.spec_hash !== decisionsHash(spec)) {
    return { status: 'reviewed', reasons: [`edited since approved by ${approval.by} at ${approval.at}: approve again`] };
  }
  const current = spec.extracted?.source_hash;
  if ((approval.source_hash ?? null) !== (current ?? null)) {
    const what =
      current === undefined ? 'the extracted source hash is gone' : `the legacy source changed (${short(approval.source_hash)} -> ${short(current)})`;
    const changes = spec.extracted?.changes_since_approval ?? [];
    return { status: 'drifted', reasons: [`${what} since approved by ${approval.by} at ${approval.at}: review what moved, then approve again`, ...changes] };
  }
  return { status: 'approved', reasons: [] };
}

export interface SpecSummary {
  id: string;
  endpoint: string;
  file: string;
  status: SpecStatus;
  reasons: string[];
  behaviors: Record<Disposition, number>;
  examples: number;
  approval: { by: string; at: string } | null;
}

export function summarizeSpec(loaded: LoadedSpec): SpecSummary {
  const { spec } = loaded;
  const behaviors = Object.fromEntries(DISPOSITIONS.map((d) => [d, spec.behaviors.filter((b) => b.disposition === d).length])) as Record<Disposition, number>;
  const { status, reasons } = specStatus(spec);
  return {
    id: spec.id,
    endpoint: spec.endpoint,
    file: loaded.source.file,
    status,
    reasons,
    behaviors,
    examples: spec.examples.length,
    approval: spec.approval ? { by: spec.approval.by, at: spec.approval.at } : null,
  };
}

function isBlank(value: string | null | undefined): boolean {
  return value === undefined || value === null || value.trim() === '';
}

function orNull(value: string | null | undefined): string | null {
  return isBlank(value) ? null : value!;
}

function short(hash: string | undefined): string {
  return hash === undefined ? 'none' : hash.slice(0, 'sha256:'.length + 12);
}
