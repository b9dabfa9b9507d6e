/**
 * What changed between two extractions of one endpoint, in words a reviewer can act on: the
 * facts added and removed, and whether the handler moved or only its code changed.
 */
import type { Extracted } from '../spec/schema.js';

type Fact = { key: string; text: string };

const FACTS: { label: string; of: (e: Extracted) => Fact[] }[] = [
  { label: 'param', of: (e) => (e.params ?? []).map((p) => ({ key: `${p.in} ${p.name}`, text: `${p.in} ${p.name}${p.type ? ` (${p.type})` : ''}` })) },
  { label: 'guard', of: (e) => (e.guards ?? []).map((g) => ({ key: `${g.kind} ${g.text}`, text: `${g.kind} ${g.text}` })) },
  {
    label: 'outcome',
    of: (e) => (e.outcomes ?? []).map((o) => ({ key: `${o.status} ${o.when ?? ''}`, text: `${o.status}${o.when ? ` when ${o.when}` : ''}` })),
  },
  { label: 'side effect', of: (e) => (e.side_effects ?? []).map((s) => ({ key: `${s.kind} ${s.target}`, text: `${s.kind} ${s.target}` })) },
  { label: 'volatile field', of: (e) => (e.volatile ?? []).map((v) => ({ key: v.field, text: v.field })) },
];

export function describeChanges(before: Extracted | undefined, after: Extracted): string[] {
  const changes: string[] = [];
  if (before?.handler !== after.handler) changes.push(`handler is now ${after.handler ?? 'gone'} (was ${before?.handler ?? 'none'})`);
  for (const { label, of } of FACTS) {
    const old = new Map((before ? of(before) : []).map((f) => [f.key, f.text]));
    const now = new Map(of(after).map((f) => [f.key, f.text]));
    for (const [key, text] of now) if (!old.has(key)) changes.push(`new ${label}: ${text}`);
    for (const [key, text] of old) if (!now.has(key)) changes.push(`${label} gone: ${text}`);
  }
  if (changes.length === 0) changes.push('the code of the handler or of a helper it calls changed; the facts found are the same');
  return changes;
}
