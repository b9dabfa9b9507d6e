/**
 * `parity replay` as a library function: the sample requests the shadow store kept are sent again
 * to a (new build of the) candidate, and its answers are compared with the *stored* primary
 * responses, so a fix can be checked without live traffic and without a live primary.
 *
 * The comparison is the live one: ShadowComparator with the workspace's specs (endpoints, compare
 * rules, fix behaviours classified expected), and the stored secondary response, when there is
 * one, for the same noise removal. What the store holds was redacted and content-decoded before
 * it was written, so the candidate's answer is decoded and redacted with the same plan before it
 * is compared, and a request is rebuilt from what survived:
 *
 * - redacted request headers (Authorization, Cookie, ...) are not in the store, but their keyed
 *   fingerprints are (credentials.ts): each sample is sent with the headers of the auth profile
 *   whose values have those fingerprints, and a sample whose credentials match no profile is not
 *   replayed ("credentials unknown"), never sent without them; `headers` and the profile named by
 *   `auth` replace what they name in every sample; samples stored before there were fingerprints
 *   are sent without their redacted headers, and the result says which ones;
 * - a sample whose request or primary body was truncated, or whose target or request body holds a
 *   redacted value, cannot be replayed faithfully: it is skipped and counted (a truncated
 *   secondary is only left out of the noise removal);
 * - content-encoding is not compared (both sides' bodies are compared decoded).
 *
 * Replay only reads the store (it is opened read-only): a later issue may record replay runs.
 */
import fs from 'node:fs';
import { Agent } from 'undici';
import type { Workspace } from '../src/config/load.js';
import { decodedBody, headerValue, type Difference } from '../src/compare/response.js';
import { ParityError } from '../src/errors.js';
import { displayPath } from '../src/paths.js';
import { HttpClient } from '../src/runner/http.js';
import { authHeaders } from '../src/runner/plan.js';
import { loadSpecs } from '../src/spec/load.js';
import { openStore } from '../src/store/store.js';
import { closest, plural } from '../src/text.js';
import { ShadowComparator } from './compare.js';
import { ShadowCorrelation } from './correlation.js';
import { readMatchSamples, readSamples, type SampleResponse, type ShadowSample } from './query.js';
import { compileRedaction, redactBody, redactHeaders, REDACTED, type RedactionPlan } from './redact.js';
import { profileForFingerprints, readFingerprintKey, type ProfileCredentials } from './credentials.js';
import { readCorrelationState } from './store.js';
import { sendUpstream, type MirroredRequest, type UpstreamAnswer } from './upstream.js';

export type ReplaySelection = 'diverged' | 'all';

export interface ReplayOptions {
  workspace: Workspace;
  cwd: string;
  env: Record<string, string | undefined>;
  /** The candidate to replay against (default: shadow.candidate, then rewrite.url). */
  candidate?: string;
  /** The store file (default: the workspace's store). */
  db?: string;
  /** `diverged` (default): the samples of mismatch signatures; `all`: every signature's samples and the match reservoirs too. */
  only?: ReplaySelection;
  /**
   * Only the samples of these methods (uppercase). Replayed writes change the candidate's data and
   * run concurrently, out of their recorded order: `['GET', 'HEAD']` checks a change without
   * touching what the candidate holds. Default: every method the store holds.
   */
  methods?: readonly string[];
  /** An auth profile of the workspace whose headers replace the redacted ones. */
  auth?: string;
  /** Headers sent with every replayed request, replacing a stored header of the same name (applied after `auth`). */
  headers?: Readonly<Record<string, string>>;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Per-request timeout (default: shadow.timeout_ms). */
  timeoutMs?: number;
}

/**
 * What became of one replayed sample: `match` (for a difference signature's sample: fixed),
 * `same` (differs with the signature it was stored under), `different` (differs, with another
 * signature), `expected` (differs, explained by a fix behaviour), `candidate_error` (no answer),
 * `not_compared` (a body over shadow.max_body_bytes), `skipped` (not replayable, see skipReason).
 */
export type ReplayOutcome = 'match' | 'same' | 'different' | 'expected' | 'candidate_error' | 'not_compared' | 'skipped';

/** `credentials`: the sample's redacted credentials match no auth profile (by fingerprint), so it cannot be sent as its client sent it. */
export type SkipReason = 'truncated' | 'redacted' | 'credentials';

export interface ReplayedSample {
  sampleId: number;
  /** When the original request arrived, ms since the epoch. */
  at: number;
  method: string;
  /** As stored (redacted). */
  target: string;
  outcome: ReplayOutcome;
  skipReason?: SkipReason;
  /** The auth profile whose credentials were sent in place of the redacted ones. */
  profile?: string;
  /** The candidate's status, when it answered. */
  status?: number;
  durationMs?: number;
  /** The signature of the differences now, when there are any. */
  signature?: string;
  differences?: Difference[];
  error?: string;
}

export interface ReplayCounts {
  /** Samples selected. */
  samples: number;
  /** Samples sent to the candidate (all but the skipped). */
  replayed: number;
  match: number;
  same: number;
  different: number;
  expected: number;
  candidateError: number;
  notCompared: number;
  skipped: number;
}

export interface ReplayGroup {
  /** `signature`: the samples of a stored difference signature; `matches`: an endpoint's match reservoir. */
  kind: 'signature' | 'matches';
  endpoint: string;
  signatureId: number | null;
  /** The stored signature (null for a match reservoir). */
  signature: string | null;
  /** How often live traffic showed the signature (all time); null for a match reservoir. */
  seen: number | null;
  counts: ReplayCounts;
  /** The signatures of the `different` samples, most frequent first. */
  newSignatures: { signature: string; count: number }[];
  samples: ReplayedSample[];
}

export interface ReplayResult {
  candidate: string;
  /** The store, as shown to the user. */
  store: string;
  only: ReplaySelection;
  /** The methods replayed, when --methods chose some. */
  methods?: string[];
  /** Specs loaded for endpoints and compare rules (0 when the specs directory does not exist). */
  specs: number;
  groups: ReplayGroup[];
  totals: ReplayCounts;
  skipped: Record<SkipReason, number>;
  /**
   * Redacted request headers of samples stored without their fingerprints (by a parity before
   * there were any) that no --header or --auth replaced: those samples were sent without them (lowercase).
   */
  unreplacedHeaders: string[];
  /** No replayed sample differs (other than as a fix behaviour explains), the candidate answered every one, and at least one of the selected samples could be sent. */
  passed: boolean;
}

/** Request headers never replayed as stored: the body is sent decoded, and its length may differ. */
const NOT_REPLAYED = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'host', 'connection']);

export async function replaySamples(options: ReplayOptions): Promise<ReplayResult> {
  const { workspace } = options;
  const { shadow } = workspace;
  const only = options.only ?? 'diverged';
  const candidate = options.candidate ?? shadow.candidate ?? workspace.rewrite.url;
  if (candidate === undefined) {
    throw new ParityError('USAGE', 'no candidate to replay against', { hint: 'pass --candidate URL, or set rewrite.url (or shadow.candidate) in parity.yaml' });
  }
  const extraHeaders = { ...(options.auth !== undefined && profileHeaders(workspace, options.auth, options.env)), ...options.headers };

  const file = options.db ?? workspace.storePath;
  const shown = displayPath(file, options.cwd);
  if (!fs.existsSync(file))
    throw new ParityError('STORE_INVALID', `no shadow data to replay: ${shown} does not exist (run \`parity shadow\` first, or pass --db FILE)`);
  const store = openStore(file, { readonly: true });
  let selected: SelectedGroup[];
  let fingerprintKey: Buffer | undefined;
  const bounds = {
    enabled: shadow.correlation.enabled,
    maxEntries: shadow.correlation.max_entries,
    maxAgeMs: shadow.correlation.max_age_hours * 3_600_000,
    keys: shadow.correlation.keys,
    sessions: shadow.correlation.sessions,
  };
  let correlation: ShadowCorrelation | undefined;
  try {
    const total = store.db.prepare('SELECT count(*) FROM shadow_samples').pluck().get() as number;
    if (total === 0) throw new ParityError('STORE_INVALID', `no shadow data to replay: ${shown} holds no shadow samples (run \`parity shadow\` first)`);
    selected = selectSamples(store.db, only);
    if (options.methods) {
      const methods = new Set(options.methods);
      selected = selected.filter((group) => methods.has(group.endpoint.slice(0, group.endpoint.indexOf(' '))));
    }
    fingerprintKey = readFingerprintKey(store.db);
    // The ids shadowing paired stand for the same things in the candidate's database: replay sends each sample with the candidate's own.
    if (bounds.enabled) {
      correlation = new ShadowCorrelation(bounds);
      const state = readCorrelationState(store.db, bounds);
      // Divergences are left out: a replayed sample is judged on its own, not as downstream of live traffic.
      correlation.restore(state.pairs, []);
    }
  } finally {
    store.close();
  }

  const plan = compileRedaction({ headers: shadow.redact.headers, jsonPaths: shadow.redact.json_paths, queryParameters: shadow.redact.query });
  const unreplaced = new Set<string>();
  for (const group of selected) {
    for (const { sample } of group.samples) {
      for (const [name, value] of Object.entries(sample.request.headers)) {
        const lower = name.toLowerCase();
        if (isRedacted(value) && sample.request.credentials?.[lower] === undefined) unreplaced.add(lower);
      }
    }
  }
  for (const name of Object.keys(extraHeaders)) unreplaced.delete(name.toLowerCase());
  const profiles = usableProfiles(workspace, options.env);

  const set = fs.existsSync(workspace.specsDir) ? loadSpecs(workspace.specsDir, options.cwd) : undefined;
  if (set && set.diagnostics.length > 0) {
    throw new ParityError(
      'SPEC_INVALID',
      `${plural(new Set(set.diagnostics.map((d) => d.file)).size, 'spec file')} could not be loaded; their compare rules decide what counts as a difference`,
      { diagnostics: set.diagnostics },
    );
  }
  const comparator = new ShadowComparator(set?.specs ?? [], options.workspace.shadow.compare);
  const timeoutMs = options.timeoutMs ?? shadow.timeout_ms;
  const concurrency = Math.max(1, options.concurrency ?? 8);

  const jobs = selected.flatMap((group) => group.samples);
  const outcomes = new Map<ReplayJob, ReplayedSample>();
  if (jobs.length > 0) {
    const probe = new HttpClient(Math.min(timeoutMs, 5_000), 1);
    try {
      const failure = await probe.probe(candidate);
      if (failure && failure.kind !== 'error') throw new ParityError('TARGET_UNREACHABLE', `the candidate at ${candidate} is unreachable: ${failure.message}`);
    } finally {
      await probe.close();
    }
    const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
    try {
      const context: ReplayContext = {
        agent,
        candidate,
        comparator,
        plan,
        extraHeaders,
        profiles,
        ...(fingerprintKey && { fingerprintKey }),
        timeoutMs,
        maxBodyBytes: shadow.max_body_bytes,
        ...(correlation && { correlation }),
      };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          outcomes.set(job, await replayOne(job.sample, job.storedSignature, context));
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
    } finally {
      await agent.close();
    }
  }

  const groups: ReplayGroup[] = selected.map((group) => {
    const samples = group.samples.map((job) => outcomes.get(job)!);
    const newSignatures = new Map<string, number>();
    for (const s of samples) if (s.outcome === 'different' && s.signature) newSignatures.set(s.signature, (newSignatures.get(s.signature) ?? 0) + 1);
    return {
      kind: group.kind,
      endpoint: group.endpoint,
      signatureId: group.signatureId,
      signature: group.signature,
      seen: group.seen,
      counts: countsOf(samples),
      newSignatures: [...newSignatures].map(([signature, count]) => ({ signature, count })).sort((a, b) => b.count - a.count),
      samples,
    };
  });
  const all = groups.flatMap((g) => g.samples);
  const totals = countsOf(all);
  return {
    candidate,
    store: shown,
    only,
    ...(options.methods && { methods: [...options.methods] }),
    specs: set?.specs.length ?? 0,
    groups,
    totals,
    skipped: {
      truncated: all.filter((s) => s.skipReason === 'truncated').length,
      redacted: all.filter((s) => s.skipReason === 'redacted').length,
      credentials: all.filter((s) => s.skipReason === 'credentials').length,
    },
    unreplacedHeaders: [...unreplaced].sort(),
    // Samples that were selected but none of which could be sent are no evidence of a fix.
    passed: totals.same + totals.different + totals.candidateError === 0 && (totals.samples === 0 || totals.replayed > 0),
  };
}

interface ReplayJob {
  sample: ShadowSample;
  /** The signature the sample was stored under; null for a match. */
  storedSignature: string | null;
}

interface SelectedGroup {
  kind: ReplayGroup['kind'];
  endpoint: string;
  signatureId: number | null;
  signature: string | null;
  seen: number | null;
  samples: ReplayJob[];
}

/** Signature groups, most frequent first; then, for `all`, each endpoint's match reservoir. */
function selectSamples(db: ReturnType<typeof openStore>['db'], only: ReplaySelection): SelectedGroup[] {
  const groups: SelectedGroup[] = [];
  const signatures = db.prepare('SELECT id, endpoint, signature, count FROM shadow_signatures WHERE samples > 0 ORDER BY count DESC, id').all() as {
    id: number;
    endpoint: string;
    signature: string;
    count: number;
  }[];
  for (const row of signatures) {
    const samples = readSamples(db, row.id).filter((s) => only === 'all' || s.outcome === 'mismatch');
    if (samples.length === 0) continue;
    groups.push({
      kind: 'signature',
      endpoint: row.endpoint,
      signatureId: row.id,
      signature: row.signature,
      seen: row.count,
      samples: samples.map((sample) => ({ sample, storedSignature: row.signature })),
    });
  }
  if (only === 'all') {
    const endpoints = db.prepare('SELECT DISTINCT endpoint FROM shadow_samples WHERE reservoir_slot IS NOT NULL ORDER BY endpoint').pluck().all() as string[];
    for (const endpoint of endpoints) {
      const samples = readMatchSamples(db, endpoint);
      if (samples.length === 0) continue;
      groups.push({
        kind: 'matches',
        endpoint,
        signatureId: null,
        signature: null,
        seen: null,
        samples: samples.map((sample) => ({ sample, storedSignature: null })),
      });
    }
  }
  return groups;
}

interface ReplayContext {
  agent: Agent;
  candidate: string;
  comparator: ShadowComparator;
  /** The pairs shadowing learned (the candidate's side), to send each sample with the candidate's ids and compare pairs as equal. */
  correlation?: ShadowCorrelation;
  plan: RedactionPlan;
  extraHeaders: Readonly<Record<string, string>>;
  /** The workspace's auth profiles whose variables are set, for the samples' credentials. */
  profiles: readonly ProfileCredentials[];
  fingerprintKey?: Buffer;
  timeoutMs: number;
  maxBodyBytes: number;
}

/**
 * The auth profile to send a sample's redacted credentials with: the one whose header values have
 * the fingerprints the sample kept, for the headers --header and --auth do not replace. Null when
 * nothing needs replacing; undefined when a credential matches no profile.
 */
function credentialsFor(sample: ShadowSample, context: ReplayContext): ProfileCredentials | null | undefined {
  const kept = sample.request.credentials;
  if (!kept || !context.fingerprintKey) return null;
  const replaced = new Set(Object.keys(context.extraHeaders).map((name) => name.toLowerCase()));
  const needed = Object.fromEntries(Object.entries(kept).filter(([name]) => !replaced.has(name)));
  if (Object.keys(needed).length === 0) return null;
  return profileForFingerprints(needed, context.profiles, context.fingerprintKey);
}

function usableProfiles(workspace: Workspace, env: Record<string, string | undefined>): ProfileCredentials[] {
  return Object.entries(workspace.auth)
    .filter(([, profile]) =>
      Object.values(profile.headers).every((value) => [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].every((m) => env[m[1]!] !== undefined)),
    )
    .map(([name, profile]) => ({ name, headers: authHeaders(profile, env) }));
}

async function replayOne(sample: ShadowSample, storedSignature: string | null, context: ReplayContext): Promise<ReplayedSample> {
  const base = { sampleId: sample.id, at: sample.at, method: sample.request.method, target: sample.request.target };
  const skipReason = unreplayable(sample);
  if (skipReason) return { ...base, outcome: 'skipped', skipReason };
  const profile = credentialsFor(sample, context);
  if (profile === undefined) return { ...base, outcome: 'skipped', skipReason: 'credentials' };

  const request: MirroredRequest = {
    method: sample.request.method,
    target: sample.request.target,
    headers: replayHeaders(sample.request.headers, { ...profile?.headers, ...context.extraHeaders }),
    body: sample.request.body && sample.request.body.bytes.length > 0 ? sample.request.body.bytes : null,
  };
  // A spec names the endpoint now; else the sample keeps the endpoint it was stored under, so its signature compares with the stored one.
  const found = context.comparator.endpointOf(request.method, request.target);
  const match = found.spec ? found : { endpoint: sample.endpoint };
  const correlation = context.correlation;
  const ids = correlation?.contextOf(match.spec);
  const sent = correlation && ids ? correlation.translate('candidate', request, ids) : request;
  const answer = await sendUpstream(context.agent, context.candidate, sent, { timeoutMs: context.timeoutMs, maxBodyBytes: context.maxBodyBytes });
  const secondary = sample.secondary && !('error' in sample.secondary) && sample.secondary.body?.truncated ? undefined : sample.secondary;
  const record = context.comparator.compare({
    at: sample.at,
    request,
    primary: storedAnswer(sample.primary),
    candidate: 'error' in answer ? answer : comparable(answer, context.plan),
    ...(secondary && { secondary: 'error' in secondary ? secondary : storedAnswer(secondary) }),
    match,
    ...(correlation &&
      ids && { equivalence: { candidate: correlation.equivalence('candidate', request, ids), secondary: correlation.equivalence('secondary', request, ids) } }),
  });
  const timing = { durationMs: answer.durationMs, ...(profile && { profile: profile.name }) };
  if ('error' in answer) return { ...base, outcome: 'candidate_error', error: answer.error, ...timing };
  const answered = { status: answer.status, ...timing };
  switch (record.outcome) {
    case 'match':
    // Only the stored secondary's leaf noise differed: a match, as in shadowing.
    case 'noise':
      return { ...base, outcome: 'match', ...answered };
    case 'not_compared':
      return { ...base, outcome: 'not_compared', ...answered };
    case 'expected':
    // The stored secondary disagrees on the status or the structure too, which settles nothing: the difference is still there.
    case 'inconclusive':
    case 'mismatch': {
      const signature = record.signature ?? undefined;
      const outcome = record.outcome === 'expected' ? 'expected' : signature === storedSignature ? 'same' : 'different';
      return { ...base, outcome, ...answered, ...(signature !== undefined && { signature }), differences: [...record.differences] };
    }
    default:
      return { ...base, outcome: 'candidate_error', error: 'no answer', ...answered };
  }
}

/** Why a sample cannot be sent or compared as it was, if it cannot. */
function unreplayable(sample: ShadowSample): SkipReason | undefined {
  if (sample.request.body?.truncated || sample.primary.body?.truncated) return 'truncated';
  // A redacted query parameter or body value would be sent as the literal "[REDACTED]".
  if (sample.request.target.includes(REDACTED)) return 'redacted';
  const body = sample.request.body;
  if (body && body.bytes.includes(REDACTED)) return 'redacted';
  return undefined;
}

function isRedacted(value: string | string[]): boolean {
  return typeof value === 'string' ? value === REDACTED : value.includes(REDACTED);
}

/** The stored headers without the redacted ones, then `extra` (case-insensitively replacing). */
export function replayHeaders(stored: Readonly<Record<string, string | string[]>>, extra: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const replaced = new Set(Object.keys(extra).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(stored)) {
    const lower = name.toLowerCase();
    if (isRedacted(value) || NOT_REPLAYED.has(lower) || replaced.has(lower)) continue;
    out[name] = typeof value === 'string' ? value : value.join(', ');
  }
  return { ...out, ...extra };
}

/** A stored response as the comparator takes it: its body is already decoded, so its content-encoding no longer applies. */
function storedAnswer(stored: SampleResponse): UpstreamAnswer {
  return {
    status: stored.status,
    headers: withoutEncoding(stored.headers),
    body: stored.body && stored.body.bytes.length > 0 ? stored.body.bytes : null,
    durationMs: stored.durationMs,
    overCap: false,
  };
}

/** The candidate's answer made like a stored one: content-decoded and redacted with the same plan. */
function comparable(answer: UpstreamAnswer, plan: RedactionPlan): UpstreamAnswer {
  if (answer.overCap) return answer;
  const body = answer.body === null ? null : redactBody(decodedBody(answer), headerValue(answer.headers, 'content-type'), plan);
  return { ...answer, headers: redactHeaders(withoutEncoding(answer.headers), plan), body: body && body.length > 0 ? body : null };
}

function withoutEncoding(headers: Readonly<Record<string, string | string[]>>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-encoding'));
}

function profileHeaders(workspace: Workspace, name: string, env: Record<string, string | undefined>): Record<string, string> {
  const profile = workspace.auth[name];
  if (!profile) {
    const known = Object.keys(workspace.auth);
    const suggestion = closest(name, known);
    throw new ParityError(
      'USAGE',
      `--auth: auth profile "${name}" is not defined in parity.yaml` +
        (suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (profiles: ${known.join(', ')})` : ' (it defines none)'),
    );
  }
  const needed = Object.values(profile.headers).flatMap((value) => [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!));
  const unset = [...new Set(needed)].filter((variable) => env[variable] === undefined);
  if (unset.length > 0) throw new ParityError('USAGE', `--auth: auth profile "${name}" needs the environment variable ${unset.join(', ')}, which is not set`);
  return authHeaders(profile, env);
}

function countsOf(samples: readonly ReplayedSample[]): ReplayCounts {
  const n = (outcome: ReplayOutcome) => samples.filter((s) => s.outcome === outcome).length;
  return {
    samples: samples.length,
    replayed: samples.length - n('skipped'),
    match: n('match'),
    same: n('same'),
    different: n('different'),
    expected: n('expected'),
    candidateError: n('candidate_error'),
    notCompared: n('not_compared'),
    skipped: n('skipped'),
  };
}
