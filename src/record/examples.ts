/**
 * Turning recorded exchanges into spec examples: match each to its spec, drop the ones that add
 * nothing (same shape as an example the spec already has), write the request without secrets,
 * loosen the volatile parts of the response into matchers, and chain requests that used a value
 * an earlier response produced into `steps` with a capture, so the example runs again on a
 * fresh database.
 */
import { cookiesSet } from '../compare/headers.js';
import { collectionOf, identifierKey, isStrong } from '../correlate/identifiers.js';
import { isWrite, scopeOfKey, walkRequest } from '../correlate/request.js';
import type { LoadedSpec } from '../spec/load.js';
import { HTTP_METHODS, type Example, type Expectation, type HttpMethod, type SpecRequest, type Step } from '../spec/schema.js';
import { plural } from '../text.js';
import { dedupeKey, EMPTY_SHAPE, escapeRegex, exampleKeys, jsonShape, textShape } from './dedupe.js';
import type { RecordedExchange } from './exchange.js';
import { decodeSegment, type EndpointMatch } from './match.js';
import { expandProfiles, ID_KEY, prepare, type Prepared, type Produced, type RecordingOptions, type ResponseBody, type SessionCredential } from './prepare.js';
import { UNIQUE_KEY } from './unique.js';
import { PathTemplates } from './path-templates.js';
import { formatJsonPath, jsonType, pathMatches, volatileMatcher, volatilePatterns } from './volatile.js';
import type { PathSegment } from '../jsonpath.js';

export type { RecordingOptions } from './prepare.js';

export interface SpecRecording {
  spec: LoadedSpec;
  examples: Example[];
}

/** Requests no spec's endpoint matched: endpoints the extraction may have missed. */
export interface UnmatchedEndpoint {
  method: string;
  /** The path, with id-like segments shown as `{id}` so one endpoint is one line. */
  path: string;
  count: number;
}

export interface RecordingResult {
  /** Specs that gain examples, in the order given, each with its new examples. */
  specs: SpecRecording[];
  unmatched: UnmatchedEndpoint[];
  /** Exchanges that showed nothing a new or existing example does not already show. */
  duplicates: number;
  warnings: string[];
}

/** How many producing requests deep a capture chain may go. */
const MAX_PRODUCER_DEPTH = 4;
/** Text bodies up to this many characters are pinned literally; longer ones only by content type. */
const MAX_TEXT_BODY = 200;

/** Response headers never worth capturing from: they change on every response but mean nothing to a later request. */
const UNCAPTURED_RESPONSE_HEADERS = new Set([
  'date',
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'expires',
  'age',
  'server',
  'x-powered-by',
  'set-cookie',
]);

interface Capture {
  name: string;
  produced: Produced;
}

export function examplesFromExchanges(exchanges: readonly RecordedExchange[], specs: readonly LoadedSpec[], options: RecordingOptions): RecordingResult {
  const profiles = expandProfiles(options);
  const profileValues = new Set(profiles.flatMap((p) => [...p.headers.values()]));
  const ordered = [...exchanges].sort((a, b) => a.startedAt - b.startedAt);

  const keys = new Set<string>();
  const names = new Map<LoadedSpec, Set<string>>();
  for (const spec of specs) {
    names.set(spec, new Set(spec.spec.examples.map((e) => e.name)));
    for (const example of spec.spec.examples) for (const key of exampleKeys(example, spec)) keys.add(key);
  }

  const added = new Map<LoadedSpec, Example[]>();
  const unmatched = new Map<string, UnmatchedEndpoint>();
  let duplicates = 0;
  const unknownCredentials = { count: 0, headers: new Set<string>() };
  let binaryBodies = 0;
  // Values per credential set, first response that carried them; values a client sent before
  // any response carried them are the client's own (seed data, generated keys), never captured.
  const produced = new Map<string, ProducedValues>();
  // The same values whatever credentials their response answered: where a credential came from.
  const producedAnywhere = new ProducedValues();
  const clientValues = new ProducedValues<true>();
  // Names the client chose for what its successful writes created (a registration's username and
  // email): a later request sending one (a login, `/profiles/ada`) needs that write before it.
  const createdByClient = new Map<string, Prepared>();

  const session: Prepared[] = [];
  for (const exchange of ordered) {
    const prepared = prepare(exchange, specs, profiles, profileValues);
    // A value some response made before is not the client's own, however often the client sends it.
    for (const use of prepared.uses) {
      if (!producedAnywhere.get(use.value, use.scope)) clientValues.add(use.value, use.scope, true, prepared.exchange.startedAt);
    }
    register(prepared, produced, producedAnywhere, clientValues);
    for (const name of namesCreated(prepared)) if (!createdByClient.has(name)) createdByClient.set(name, prepared);
    if (prepared.credentialKey !== '' && prepared.auth === undefined) {
      const credentials = sessionCredentials(prepared, producedAnywhere);
      if (credentials) prepared.session = credentials;
    }
    session.push(prepared);
  }
  const succeeded = (step: Prepared) => step.exchange.status >= 200 && step.exchange.status < 300;
  const deletes = session.filter((step) => step.method === 'DELETE' && succeeded(step));
  const writes = session.filter((step) => isWrite(step.method) && succeeded(step));
  const recorded = { produced, producedAnywhere, createdByClient, deletes, writes };
  // The whole recording is looked at before a path no spec names is templated: by shape and by how its segments vary.
  const templates = new PathTemplates();
  const isUnmatched = (step: Prepared) => !step.match || !(HTTP_METHODS as readonly string[]).includes(step.method);
  for (const prepared of session) if (isUnmatched(prepared)) templates.observe(prepared.path);

  for (const prepared of session) {
    const { match } = prepared;
    if (!match || isUnmatched(prepared)) {
      const path = templates.template(prepared.path);
      const key = `${prepared.method} ${path}`;
      const entry = unmatched.get(key) ?? { method: prepared.method, path, count: 0 };
      entry.count++;
      unmatched.set(key, entry);
      continue;
    }
    if (prepared.credentialKey !== '' && prepared.auth === undefined && prepared.session === undefined) {
      unknownCredentials.count++;
      for (const name of prepared.credentialNames) unknownCredentials.headers.add(name);
      continue;
    }
    if (prepared.body.kind === 'binary') {
      binaryBodies++;
      continue;
    }
    const key = dedupeKey(
      prepared.method,
      match.spec,
      prepared.exchange.status,
      responseShape(prepared.response, isCollectionRead(prepared.method, match.spec)),
    );
    if (keys.has(key)) {
      duplicates++;
      continue;
    }
    keys.add(key);
    const example = buildExample(prepared, match, recorded, names.get(match.spec)!);
    added.set(match.spec, [...(added.get(match.spec) ?? []), example]);
  }

  const warnings: string[] = [];
  if (unknownCredentials.count > 0) {
    const unusable = profiles
      .filter((p) => p.missing.length > 0)
      .map((p) => `auth profile "${p.name}" is unusable: ${p.missing.map((n) => `\${${n}}`).join(', ')} not set`);
    warnings.push(
      `skipped ${plural(unknownCredentials.count, 'exchange')} whose credentials (${[...unknownCredentials.headers].sort().join(', ')}) match no auth profile ` +
        `and were not handed out by an earlier response of the recording (a login or a registration), so that no secret is written to a spec: ` +
        `add an auth profile with these headers to the auth section of parity.yaml and run again` +
        (unusable.length > 0 ? ` (${unusable.join('; ')})` : ''),
    );
  }
  if (binaryBodies > 0) warnings.push(`skipped ${plural(binaryBodies, 'exchange')} with a binary request body, which an example cannot carry`);

  return {
    specs: specs.filter((s) => added.has(s)).map((spec) => ({ spec, examples: added.get(spec)! })),
    unmatched: [...unmatched.values()],
    duplicates,
    warnings,
  };
}

/** The shape the example written for this response will imply (see exampleKeys), so recording it again is a duplicate. */
function responseShape(response: ResponseBody, collection: boolean): unknown {
  if (response.kind === 'json') {
    const shape = jsonShape(response.value);
    return collection ? collectionShape(shape) : shape;
  }
  if (response.kind === 'none') return EMPTY_SHAPE;
  const pinned = response.media !== undefined || (response.kind === 'text' && response.value.length <= MAX_TEXT_BODY);
  return pinned ? textShape(response.media) : EMPTY_SHAPE;
}

function capturable(value: string): boolean {
  return value.length >= 4 && /\d/.test(value) && !/\s/.test(value);
}

/**
 * Values by what they name, as stateful shadowing scopes them (src/correlate/request.ts): post 13
 * (`$.id` of `POST /posts`, `/posts/13`) is not comment 13 (`/comments/13`). A value strong enough
 * to mean one thing anywhere (a UUID, a token, `cus_9f2c...`), or one whose scope is not known,
 * matches whatever the scope. A value made again later (json-server 0.17 gives the next post the
 * id of the one just deleted) names what was made last before the request that uses it.
 */
class ProducedValues<T = Produced> {
  private readonly scoped = new Map<string, { at: number; entry: T }[]>();
  private readonly any = new Map<string, { at: number; entry: T }[]>();

  /**
   * `at`: when the value was made (entries come in time order). `remade`: the entry makes the
   * value again (a write answered it) rather than carrying it on (a read listing it): only then
   * does it stand for the value from `at` on.
   */
  add(value: string, scope: string | undefined, entry: T, at: number, remade = false): void {
    for (const [map, key] of [
      [this.scoped, `${scope ?? ''}\u0000${value}`],
      [this.any, value],
    ] as const) {
      const entries = map.get(key);
      if (!entries) map.set(key, [{ at, entry }]);
      else if (remade) entries.push({ at, entry });
    }
  }

  /** The last entry made before `before` (default: the last one). */
  get(value: string, scope: string | undefined, before = Infinity): T | undefined {
    const latest = (entries: { at: number; entry: T }[] | undefined) => entries?.findLast((e) => e.at < before)?.entry;
    if (scope === undefined || isStrong(value)) return latest(this.any.get(value));
    return latest(this.scoped.get(`${scope}\u0000${value}`)) ?? latest(this.scoped.get(`\u0000${value}`));
  }
}

function register(prepared: Prepared, produced: Map<string, ProducedValues>, producedAnywhere: ProducedValues, clientValues: ProducedValues<true>): void {
  let values = produced.get(prepared.credentialKey);
  if (!values) produced.set(prepared.credentialKey, (values = new ProducedValues()));
  const collection = collectionOf(prepared.exchange.target, prepared.match?.spec.endpoint.path);
  const write = ['POST', 'PUT', 'PATCH'].includes(prepared.method);
  const sent = new Set(prepared.uses.map((use) => use.value));
  // `identifier`: the value sits where identifiers do (an identifier key such as `slug` or `token`, a cookie), so it needs no digit.
  const add = (value: string, location: string, numeric: boolean, scope: string | undefined, identifier = false) => {
    const named = isStrong(value) ? undefined : scope;
    const minimum = numeric ? 1 : 2;
    if (clientValues.get(value, named) || !(capturable(value) || (identifier && value.length >= minimum && !/\s/.test(value)))) return;
    // A response answering what an earlier one made carries it on (a read listing it, an update of
    // it); only a write that did not send it makes it again (the next post given a deleted one's id).
    const remade = write && !sent.has(value);
    if (!remade && producedAnywhere.get(value, named)) return;
    const entry = { producer: prepared, location, numeric, scope: named };
    producedAnywhere.add(value, named, entry, prepared.exchange.startedAt, remade);
    values.add(value, named, entry, prepared.exchange.startedAt, remade);
  };
  const walk = (value: unknown, path: (string | number)[], key: string, parent: string | undefined) => {
    const scope = key === '' ? collection : scopeOfKey(key, parent, collection);
    if (typeof value === 'string') add(value, formatJsonPath(path), false, scope, identifierKey(key) !== undefined);
    // A number is an identifier only where its key says so; elsewhere it is an amount or a count.
    // A short one (post 13) only when a write answered it: what the write made, not a count a read lists.
    else if (typeof value === 'number' && Number.isInteger(value) && ID_KEY.test(key)) {
      add(String(value), formatJsonPath(path), true, scope, write);
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i], key, parent));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k], k, key === '' ? undefined : key);
  };
  if (prepared.response.kind === 'json') walk(prepared.response.value, [], '', undefined);
  for (const [name, value] of Object.entries(prepared.exchange.responseHeaders)) {
    if (!UNCAPTURED_RESPONSE_HEADERS.has(name.toLowerCase())) add(value, `header:${headerCase(name)}`, false, undefined);
  }
  for (const [name, value] of cookiesSet(prepared.exchange.responseHeaders)) add(value, `cookie:${name}`, false, `cookie:${name}`, true);
}

/** The names a successful write's body chose for what it created, under keys servers keep unique (UNIQUE_KEY). */
function namesCreated(prepared: Prepared): string[] {
  const { status } = prepared.exchange;
  if (!['POST', 'PUT', 'PATCH'].includes(prepared.method) || status < 200 || status >= 300) return [];
  const names: string[] = [];
  const collect = (value: unknown, key: string) => {
    if (typeof value === 'string' && UNIQUE_KEY.test(key) && value.length >= 2) names.push(value);
    else if (Array.isArray(value)) value.forEach((item) => collect(item, key));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(v, k);
  };
  if (prepared.body.kind === 'json' || prepared.body.kind === 'form') collect(prepared.body.value, '');
  return names;
}

/**
 * The credentials of a request that no profile holds, when every value in them is one an earlier
 * response handed out (`Authorization: Bearer <token from the login's body>`, a session cookie a
 * login set, an API key a registration answered); undefined when any is not, such as a real
 * user's secret or Basic credentials. The values inside the headers are found by the walk that
 * stateful shadowing translates them with (src/correlate/request.ts).
 */
function sessionCredentials(prepared: Prepared, producedAnywhere: ProducedValues): SessionCredential[] | undefined {
  const found: SessionCredential[] = [];
  for (const [header, value] of Object.entries(prepared.credentials)) {
    const inside: { token: string; hint: string }[] = [];
    walkRequest(
      { method: prepared.method, target: '/', headers: { [header]: value }, body: null },
      (token, scope) => {
        inside.push({ token: String(token), hint: scope === 'token' ? 'token' : scope?.startsWith('cookie:') ? scope.slice('cookie:'.length) : header });
        return undefined;
      },
      {},
      { headers: 'credentials' },
    );
    if (inside.length === 0) return undefined;
    for (const { token, hint } of inside) {
      const produced = producedAnywhere.get(token, undefined, prepared.exchange.startedAt);
      if (!produced || produced.producer.exchange.startedAt >= prepared.exchange.startedAt) return undefined;
      found.push({ header, token, hint, produced });
    }
  }
  return found;
}

/** A credential header with each session value in it replaced by its capture's placeholder, by the same walk that found them. */
function credentialTemplate(step: Prepared, header: string, placeholders: ReadonlyMap<string, string>): string {
  const { request } = walkRequest(
    { method: step.method, target: '/', headers: { [header]: step.credentials[header]! }, body: null },
    (value) => placeholders.get(String(value)),
    {},
    { headers: 'credentials' },
  );
  return request.headers[header]!;
}

function headerCase(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function captureName(hint: string, taken: Set<string>): string {
  let base = hint.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** What the whole recorded session tells about each step: who produced a value, who created a name, what was deleted later. */
interface RecordedSession {
  /** Per credential set (see examplesFromExchanges), and whatever the credentials. */
  produced: Map<string, ProducedValues>;
  producedAnywhere: ProducedValues;
  createdByClient: ReadonlyMap<string, Prepared>;
  /** Successful DELETEs, in time order. */
  deletes: readonly Prepared[];
  /** Successful writes (every method but GET, HEAD and OPTIONS), in time order. */
  writes: readonly Prepared[];
}

function buildExample(prepared: Prepared, match: EndpointMatch, recorded: RecordedSession, names: Set<string>): Example {
  // Walk back from the request to the responses that produced the values it used.
  const captures = new Map<string, Capture>();
  const taken = new Set<string>();
  const producers = new Set<Prepared>();
  // One capture per value: a value two responses made (a token issued again for the same user) is
  // captured where it was first made among the steps that need it, so every step sending it comes after.
  const need = (value: string, hint: string, produced: Produced, depth: number) => {
    const existing = captures.get(value);
    if (existing && existing.produced.producer.exchange.startedAt <= produced.producer.exchange.startedAt) return;
    captures.set(value, { name: existing?.name ?? captureName(hint, taken), produced });
    producers.add(produced.producer);
    resolve(produced.producer, depth + 1);
  };
  const resolve = (step: Prepared, depth: number) => {
    // A step is written with its credentials or not at all: those are followed at any depth (each producer is earlier, so this ends).
    for (const credential of step.session ?? []) need(credential.token, credential.hint, credential.produced, depth);
    // So are the writes that created the names it sends (the registration a login or `/profiles/ada` needs).
    for (const tagged of step.sent) {
      const creator = tagged.startsWith('s:') ? recorded.createdByClient.get(tagged.slice(2)) : undefined;
      if (!creator || creator === step || producers.has(creator) || creator.exchange.startedAt >= step.exchange.startedAt) continue;
      producers.add(creator);
      resolve(creator, depth + 1);
    }
    if (depth > MAX_PRODUCER_DEPTH) return;
    const known = recorded.produced.get(step.credentialKey);
    const at = step.exchange.startedAt;
    for (const use of step.uses) {
      // A value made under other credentials is followed when no fixed profile (a tenant of its own) made it: a slug a signed-in author created, read by anyone.
      const anywhere = recorded.producedAnywhere.get(use.value, use.scope, at);
      const found = known?.get(use.value, use.scope, at) ?? (anywhere?.producer.auth === undefined ? anywhere : undefined);
      if (found) need(use.value, use.hint, found, depth);
    }
  };
  resolve(prepared, 1);
  for (const write of stateSteps(prepared, producers, captures, recorded)) {
    producers.add(write);
    resolve(write, 2);
  }

  const status = prepared.exchange.status;
  const name = exampleName(`recorded ${prepared.method} ${match.spec.endpoint.path} → ${status}`, names);
  const sent = new Set<string>();
  for (const step of [...producers, prepared]) for (const value of step.sent) sent.add(value);
  const expectation = expectationFor(prepared, match.spec, captures, sent);

  // After the expectation: a value the example's last step makes up is only captured for its cleanup, never expected as itself.
  const cleanup = cleanupSteps(prepared, producers, captures, taken, recorded);
  const capturesOf = (step: Prepared) =>
    Object.fromEntries([...captures.values()].filter((c) => c.produced.producer === step).map((c) => [c.name, c.produced.location]));
  const last = capturesOf(prepared);
  if (producers.size === 0 && Object.keys(last).length === 0) {
    return { name, recorded: true, request: requestFor(prepared, captures), expect: expectation, ...(cleanup && { cleanup }) };
  }
  const ordered = [...producers].sort((a, b) => a.exchange.startedAt - b.exchange.startedAt);
  const steps: Step[] = ordered.map((producer) => {
    const capture = capturesOf(producer);
    return {
      request: requestFor(producer, captures),
      ...(Object.keys(capture).length > 0 && { capture }),
      expect: { status: producer.exchange.status },
    };
  });
  steps.push({ request: requestFor(prepared, captures), ...(Object.keys(last).length > 0 && { capture: last }), expect: expectation });
  return { name, recorded: true, steps, ...(cleanup && { cleanup }) };
}

/**
 * The writes that changed what the example made before its request saw it: a successful write
 * between the making and the request whose path names a value a step made (the post was patched,
 * or deleted with its comments, before the comment was read). Without them the request would see
 * the thing as it was made, not as it was: the recorded answer would not come back on a fresh
 * database. A write whose credentials the example does not hold cannot be written and is left out.
 */
function stateSteps(target: Prepared, producers: ReadonlySet<Prepared>, captures: ReadonlyMap<string, Capture>, recorded: RecordedSession): Prepared[] {
  const steps: Prepared[] = [];
  for (const write of recorded.writes) {
    if (write.exchange.startedAt >= target.exchange.startedAt) break;
    if (write === target || producers.has(write)) continue;
    const segments = new Set(write.path.split('/').map(decodeSegment));
    const changes = write.uses.some(({ value }) => {
      const capture = captures.get(value);
      return capture !== undefined && segments.has(value) && capture.produced.producer.exchange.startedAt < write.exchange.startedAt;
    });
    if (!changes) continue;
    const authorised = write.credentialKey === '' || write.auth !== undefined || (write.session?.every((c) => captures.has(c.token)) ?? false);
    if (authorised) steps.push(write);
  }
  return steps;
}

/**
 * The example's own cleanup, from the recording: the later DELETEs of what the example created
 * (their path names a value one of its steps made up, which is captured for it), sent the way
 * the recording sent them, so a run leaves nothing behind even when the example fails halfway.
 * A DELETE whose credentials the example does not hold (another user's token it never captured)
 * cannot be written and is left out; so is everything when the example is itself a DELETE.
 */
function cleanupSteps(
  target: Prepared,
  producers: ReadonlySet<Prepared>,
  captures: Map<string, Capture>,
  taken: Set<string>,
  recorded: RecordedSession,
): Step[] | undefined {
  if (target.method === 'DELETE') return undefined;
  const steps: Step[] = [];
  const removed = new Set<string>();
  for (const step of recorded.deletes) {
    if (step.exchange.startedAt <= target.exchange.startedAt) continue;
    const named = step.uses.filter(({ value, scope }) => {
      if (removed.has(value) || !step.path.split('/').some((segment) => decodeSegment(segment) === value)) return false;
      // What the DELETE removed is what was made last before it: the example's own, or a later thing that took its id.
      const made = recorded.producedAnywhere.get(value, scope, step.exchange.startedAt)?.producer;
      return made !== undefined && (made === target || producers.has(made));
    });
    if (named.length === 0) continue;
    const authorised = step.credentialKey === '' || step.auth !== undefined || (step.session?.every((c) => captures.has(c.token)) ?? false);
    if (!authorised) continue;
    for (const { value, hint, scope } of named) {
      removed.add(value);
      if (!captures.has(value))
        captures.set(value, { name: captureName(hint, taken), produced: recorded.producedAnywhere.get(value, scope, step.exchange.startedAt)! });
    }
    steps.push({ request: requestFor(step, captures) });
  }
  return steps.length > 0 ? steps : undefined;
}

function exampleName(base: string, names: Set<string>): string {
  let name = base;
  for (let n = 2; names.has(name); n++) name = `${base} (${n})`;
  names.add(name);
  return name;
}

function requestFor(step: Prepared, captures: ReadonlyMap<string, Capture>): SpecRequest {
  // Only values an earlier step produced become {{name}}: the same text sent before it existed is the client's own.
  const captured = (value: string, numeric = false): string | undefined => {
    const capture = captures.get(value);
    if (!capture || (numeric && !capture.produced.numeric)) return undefined;
    return capture.produced.producer.exchange.startedAt < step.exchange.startedAt ? `{{${capture.name}}}` : undefined;
  };
  const placeholder = captured;
  const path = step.path
    .split('/')
    .map((segment) => (segment === '' ? segment : (placeholder(decodeSegment(segment)) ?? segment)))
    .join('/');
  const request: SpecRequest = { method: step.method as HttpMethod, path };
  if (step.query.length > 0) {
    const query: Record<string, string | string[]> = {};
    for (const [key, raw] of step.query) {
      const value = placeholder(raw) ?? raw;
      const existing = query[key];
      query[key] = existing === undefined ? value : [existing, value].flat();
    }
    request.query = query;
  }
  const headers = { ...step.headers };
  const placeholders = new Map<string, string>();
  for (const credential of step.session ?? []) {
    const name = captured(credential.token);
    // Every session credential of a written step was captured by resolve(); the check keeps a token from ever being written as it is.
    if (name === undefined) throw new Error(`a session credential of ${step.method} ${step.path} has no capture`);
    placeholders.set(credential.token, name);
  }
  for (const header of new Set((step.session ?? []).map((c) => c.header))) headers[header] = credentialTemplate(step, header, placeholders);
  if (Object.keys(headers).length > 0) request.headers = headers;
  if (step.auth !== undefined) request.auth = step.auth;
  const { body } = step;
  if (body.kind === 'json') request.json = substitute(body.value, placeholder);
  else if (body.kind === 'form') request.form = body.value;
  else if (body.kind === 'text') request.body = body.value;
  return request;
}

function substitute(value: unknown, placeholder: (value: string, numeric?: boolean) => string | undefined): unknown {
  if (typeof value === 'string') return placeholder(value) ?? value;
  if (typeof value === 'number') return placeholder(String(value), true) ?? value;
  if (Array.isArray(value)) return value.map((item) => substitute(item, placeholder));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, placeholder)]));
  return value;
}

function expectationFor(step: Prepared, spec: LoadedSpec, captures: ReadonlyMap<string, Capture>, sent: ReadonlySet<string>): Expectation {
  const expectation: Expectation = { status: step.exchange.status };
  const { response } = step;
  if (response.kind === 'json') {
    const patterns = volatilePatterns((spec.spec.extracted?.volatile ?? []).map((v) => v.field));
    expectation.json = expectedJson(response.value, [], { at: step.exchange.startedAt, captures, sent, patterns });
    if (isCollectionRead(step.method, spec)) expectation.json = collectionExpectation(expectation.json);
  } else if (response.kind !== 'none') {
    if (response.media !== undefined) expectation.headers = { 'content-type': { $regex: `^${escapeRegex(response.media)}` } };
    if (response.kind === 'text' && response.value.length <= MAX_TEXT_BODY) expectation.body = response.value;
  }
  return expectation;
}

/**
 * A GET of a collection (`/customers`, `/customers/{id}/invoices`: the last segment is literal)
 * answers with whatever the collection holds when it is asked: its items and counts change with
 * every create, including those of other examples in the same test run. Recorded, such a list is
 * a snapshot that will not hold, so its items and its numbers (total_count, has_more) are
 * expected by type; a reviewer pins what matters with examples of their own.
 */
function isCollectionRead(method: string, spec: LoadedSpec): boolean {
  const last = spec.endpoint.path
    .split('/')
    .filter((s) => s !== '')
    .at(-1);
  return method === 'GET' && last !== undefined && !last.includes('{');
}

/** The expected JSON of a collection read: root-level arrays, numbers and booleans by type; strings (object: "list", url) kept. */
function collectionExpectation(expected: unknown): unknown {
  if (Array.isArray(expected)) return { $type: 'array' };
  if (expected === null || typeof expected !== 'object') return expected;
  return Object.fromEntries(
    Object.entries(expected).map(([key, item]) => [
      key,
      Array.isArray(item) ? { $type: 'array' } : typeof item === 'number' || typeof item === 'boolean' ? { $type: jsonType(item) } : item,
    ]),
  );
}

/** The shape `collectionExpectation` implies (see dedupe.ts expectedShape), so recording the list again is a duplicate. */
function collectionShape(shape: unknown): unknown {
  if (Array.isArray(shape)) return 'array';
  if (shape === null || typeof shape !== 'object') return shape;
  return Object.fromEntries(Object.entries(shape).map(([key, item]) => [key, Array.isArray(item) ? 'array' : item]));
}

interface ExpectContext {
  at: number;
  captures: ReadonlyMap<string, Capture>;
  sent: ReadonlySet<string>;
  patterns: PathSegment[][];
}

/**
 * The expected JSON for a recorded response. In order: a captured value echoed back is
 * `{{name}}`; a value the example sent stays literal; a value that looks volatile by itself
 * becomes its matcher; a field `extracted.volatile` names becomes `$type`; the rest is literal.
 */
function expectedJson(value: unknown, path: (string | number)[], ctx: ExpectContext): unknown {
  if (Array.isArray(value)) return value.map((item, i) => expectedJson(item, [...path, i], ctx));
  if (value !== null && typeof value === 'object') {
    // A response key starting with "$" would read as a matcher: such an object is only checked for being one.
    if (Object.keys(value).some((k) => k.startsWith('$'))) return { $type: 'object' };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectedJson(v, [...path, k], ctx)]));
  }
  if (typeof value === 'string' || typeof value === 'number') {
    const capture = ctx.captures.get(String(value));
    // A whole-value placeholder takes the captured value with its type, so numeric ids echo as numbers.
    if (capture && (typeof value === 'string' || capture.produced.numeric)) return `{{${capture.name}}}`;
    if (ctx.sent.has(typeof value === 'string' ? `s:${value}` : `n:${value}`)) return value;
    const matcher = volatileMatcher(value, ctx.at);
    if (matcher) return matcher;
  }
  if (ctx.patterns.some((pattern) => pathMatches(pattern, path))) return { $type: jsonType(value) };
  return value;
}
