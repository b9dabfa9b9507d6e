/**
 * The mirror policy, as a pure function of the shadow config and the environment: which requests
 * are mirrored (methods, allowed writes, include / exclude with deny winning, sampling at random
 * or consistently by a header or cookie), and what each target is sent (headers, timeout).
 */
import { describe, expect, it } from 'vitest';
import { compilePolicy, expandEnv, sampleBucket, type MirrorCandidateRequest, type MirrorPolicyConfig } from '../../shadow-proxy/policy.js';
import { ShadowConfigSchema } from '../../src/config/schema.js';
import { ParityError } from '../../src/errors.js';

const DEFAULTS: MirrorPolicyConfig = ShadowConfigSchema.parse({});

function policyOf(config: Partial<MirrorPolicyConfig>, env: Record<string, string | undefined> = {}, random = () => 0) {
  return compilePolicy({ ...DEFAULTS, ...config }, env, { random });
}

function req(method: string, target: string, extra: Partial<MirrorCandidateRequest> = {}): MirrorCandidateRequest {
  return { method, target, headers: {}, ...extra };
}

describe('which methods are mirrored', () => {
  it('mirrors GET, HEAD and OPTIONS by default and nothing else', () => {
    const policy = policyOf({});
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(policy.shouldMirror(req(method, '/customers')), method).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(policy.shouldMirror(req(method, '/customers')), method).toBe(false);
  });

  it('mirrors a write only where allow_writes names its endpoint or matches its "METHOD /path"', () => {
    const policy = policyOf({ allow_writes: ['POST /invoices', 'PATCH /customers/{customer_id}', 'DELETE /drafts/**'] });
    expect(policy.shouldMirror(req('POST', '/invoices'))).toBe(true);
    expect(policy.shouldMirror(req('POST', '/invoices?expand=lines'))).toBe(true);
    expect(policy.shouldMirror(req('POST', '/invoices/inv_1/void'))).toBe(false);
    expect(policy.shouldMirror(req('PUT', '/invoices'))).toBe(false);
    // A path parameter is one segment.
    expect(policy.shouldMirror(req('PATCH', '/customers/cus_1'))).toBe(true);
    expect(policy.shouldMirror(req('PATCH', '/customers/cus_1/address'))).toBe(false);
    expect(policy.shouldMirror(req('DELETE', '/drafts/a/b'))).toBe(true);
    expect(policy.shouldMirror(req('DELETE', '/customers/cus_1'))).toBe(false);
  });

  it('matches allow_writes against the spec endpoint the request matched, whatever its parameter names', () => {
    const policy = policyOf({ allow_writes: ['PATCH /customers/{id}', 'POST /webhooks'] });
    // A doubled slash the glob does not match, routed to the endpoint by the spec matcher.
    expect(policy.shouldMirror(req('PATCH', '/customers//cus_1'))).toBe(false);
    expect(policy.shouldMirror(req('PATCH', '/customers//cus_1', { endpoint: 'PATCH /customers/{customer_id}' }))).toBe(true);
    expect(policy.shouldMirror(req('PATCH', '/customers//cus_1/address', { endpoint: 'PATCH /customers/{customer_id}/address' }))).toBe(false);
    // A spec for any method stands for the request's own.
    expect(policy.shouldMirror(req('POST', '/hooks/in', { endpoint: '* /webhooks' }))).toBe(true);
    expect(policy.shouldMirror(req('PUT', '/hooks/in', { endpoint: '* /webhooks' }))).toBe(false);
  });

  it('asks for the endpoint only when a write needs it', () => {
    let asked = 0;
    const endpoint = () => {
      asked += 1;
      return 'POST /invoices';
    };
    const policy = policyOf({ allow_writes: ['POST /invoices'] });
    policy.shouldMirror(req('GET', '/x', { endpoint }));
    policy.shouldMirror(req('POST', '/invoices', { endpoint }));
    expect(asked).toBe(0);
    expect(policy.shouldMirror(req('POST', '/v2/invoices', { endpoint }))).toBe(true);
    expect(asked).toBe(1);
    expect(policyOf({}).shouldMirror(req('POST', '/invoices', { endpoint }))).toBe(false);
    expect(asked).toBe(1);
  });

  it('honours a custom methods list', () => {
    const policy = policyOf({ methods: ['GET', 'POST'] });
    expect(policy.shouldMirror(req('POST', '/anything'))).toBe(true);
    expect(policy.shouldMirror(req('HEAD', '/anything'))).toBe(false);
  });
});

describe('include and exclude', () => {
  it('mirrors only what include matches, when it is set', () => {
    const policy = policyOf({ include: ['GET /customers/**', '/health'] });
    expect(policy.shouldMirror(req('GET', '/customers'))).toBe(true);
    expect(policy.shouldMirror(req('GET', '/customers/cus_1/invoices?page=2'))).toBe(true);
    expect(policy.shouldMirror(req('HEAD', '/customers/cus_1'))).toBe(false);
    // No method: any method.
    expect(policy.shouldMirror(req('HEAD', '/health'))).toBe(true);
    expect(policy.shouldMirror(req('GET', '/invoices'))).toBe(false);
  });

  it('never mirrors what exclude matches: deny wins over include and allow_writes', () => {
    const policy = policyOf({
      include: ['* /customers/**'],
      exclude: ['* /customers/*/secrets', 'GET /customers/{customer_id}/export', '/**/*.csv'],
      allow_writes: ['POST /customers/**'],
    });
    expect(policy.shouldMirror(req('GET', '/customers/cus_1'))).toBe(true);
    expect(policy.shouldMirror(req('GET', '/customers/cus_1/secrets'))).toBe(false);
    expect(policy.shouldMirror(req('POST', '/customers/cus_1/secrets'))).toBe(false);
    expect(policy.shouldMirror(req('POST', '/customers/cus_1/notes'))).toBe(true);
    expect(policy.shouldMirror(req('GET', '/customers/cus_1/export'))).toBe(false);
    expect(policy.shouldMirror(req('GET', '/customers/cus_1/report.csv'))).toBe(false);
    expect(policy.shouldMirror(req('GET', '/customers/.hidden/report.csv'))).toBe(false);
  });

  it('matches the path without its query string, so a query cannot slip past exclude', () => {
    const policy = policyOf({ exclude: ['GET /admin/**'] });
    expect(policy.shouldMirror(req('GET', '/admin?x=/public'))).toBe(false);
    expect(policy.shouldMirror(req('GET', '/admin/users?x=1'))).toBe(false);
    expect(policy.shouldMirror(req('GET', '/public?x=/admin/users'))).toBe(true);
  });
});

describe('sampling', () => {
  it('mirrors everything at 100 and nothing at 0', () => {
    expect(policyOf({ sample_percent: 100 }, {}, () => 0.999999).shouldMirror(req('GET', '/'))).toBe(true);
    expect(policyOf({ sample_percent: 0 }, {}, () => 0).shouldMirror(req('GET', '/'))).toBe(false);
    expect(policyOf({ sample_percent: 0, sample_by: 'header:X-User-Id' }).shouldMirror(req('GET', '/', { headers: { 'x-user-id': 'u' } }))).toBe(false);
  });

  it('without sample_by, draws at random', () => {
    let next = 0;
    const draws = [0.1, 0.3, 0.2499, 0.25];
    const policy = policyOf({ sample_percent: 25 }, {}, () => draws[next++]!);
    expect(draws.map(() => policy.shouldMirror(req('GET', '/')))).toEqual([true, false, true, false]);
  });

  it('hashes to a stable bucket: the first 4 bytes of SHA-1, mod 10000', () => {
    // sha1("user-1") = 9dfffe45… (`printf user-1 | sha1sum`).
    expect(sampleBucket('user-1')).toBe(0x9dfffe45 % 10_000);
    expect(sampleBucket('user-1')).toBe(sampleBucket('user-1'));
    expect(sampleBucket('')).toBe(0xda39a3ee % 10_000);
  });

  it('by header: the same user is always in or always out, and about the percentage of users are in', () => {
    const policy = policyOf({ sample_percent: 30, sample_by: 'header:X-User-Id' }, {}, () => {
      throw new Error('a keyed request must not be drawn at random');
    });
    const ids = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const first = ids.map((id) => policy.shouldMirror(req('GET', '/a', { headers: { 'x-user-id': id } })));
    // Another request of the same user, another path, the header spelled differently: same decision.
    const again = ids.map((id) => policy.shouldMirror(req('GET', '/b?x=1', { headers: { 'X-USER-ID': id } })));
    expect(again).toEqual(first);
    const share = first.filter(Boolean).length / ids.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
    // A larger sample keeps everyone the smaller one had.
    const wider = policyOf({ sample_percent: 60, sample_by: 'header:X-User-Id' });
    expect(ids.filter((id, i) => first[i] && !wider.shouldMirror(req('GET', '/a', { headers: { 'x-user-id': id } })))).toEqual([]);
  });

  it('by cookie: reads the named cookie among others', () => {
    const policy = policyOf({ sample_percent: 50, sample_by: 'cookie:session' }, {}, () => {
      throw new Error('a keyed request must not be drawn at random');
    });
    const ids = Array.from({ length: 2_000 }, (_, i) => `s${i}`);
    const decisions = ids.map((id) => policy.shouldMirror(req('GET', '/', { headers: { cookie: `theme=dark; session=${id}; lang=en` } })));
    expect(ids.map((id) => policy.shouldMirror(req('GET', '/', { headers: { cookie: `session=${id}` } })))).toEqual(decisions);
    expect(decisions.map((d, i) => d === sampleBucket(ids[i]!) < 5_000)).not.toContain(false);
    const share = decisions.filter(Boolean).length / ids.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
  });

  it('samples a request without the header or cookie at random, at the same rate', () => {
    const draws = [0.1, 0.9];
    const policy = policyOf({ sample_percent: 50, sample_by: 'cookie:session' }, {}, () => draws.shift()!);
    expect(policy.shouldMirror(req('GET', '/', { headers: { cookie: 'other=1' } }))).toBe(true);
    expect(policy.shouldMirror(req('GET', '/'))).toBe(false);
  });

  it('samples only requests the other rules let through', () => {
    const policy = policyOf({ sample_percent: 100, exclude: ['/private/**'] });
    expect(policy.shouldMirror(req('GET', '/private/x'))).toBe(false);
    expect(policy.shouldMirror(req('DELETE', '/public/x'))).toBe(false);
  });
});

describe('per-target headers and timeouts', () => {
  const config: Partial<MirrorPolicyConfig> = {
    headers: {
      candidate: { set: { Authorization: 'Bearer ${CANDIDATE_TOKEN}', 'X-Env': '${STAGE}-${REGION}' }, remove: ['Cookie'] },
      secondary: { set: { authorization: 'Bearer ${SECONDARY_TOKEN}' }, remove: [] },
    },
  };
  const env = { CANDIDATE_TOKEN: 'cand-123', SECONDARY_TOKEN: 'sec-456', STAGE: 'shadow', REGION: 'eu' };

  it('gives each target its own token, removes what it is told, and leaves the client headers alone', () => {
    const policy = policyOf(config, env);
    const client = { authorization: 'Bearer client', cookie: 'sid=1', 'x-request-id': 'r1' };
    expect(policy.headersFor('candidate', client)).toEqual({ authorization: 'Bearer cand-123', 'x-env': 'shadow-eu', 'x-request-id': 'r1' });
    expect(policy.headersFor('secondary', client)).toEqual({ authorization: 'Bearer sec-456', cookie: 'sid=1', 'x-request-id': 'r1' });
    expect(client).toEqual({ authorization: 'Bearer client', cookie: 'sid=1', 'x-request-id': 'r1' });
    // The client's header is replaced whatever its case: never sent twice.
    expect(policy.headersFor('candidate', { Authorization: 'Bearer client', COOKIE: 'x' })).toEqual({ authorization: 'Bearer cand-123', 'x-env': 'shadow-eu' });
  });

  it('passes headers through unchanged without rewrites', () => {
    expect(policyOf({}).headersFor('candidate', { authorization: 'Bearer client' })).toEqual({ authorization: 'Bearer client' });
  });

  it('fails at compile time naming every unset variable, with exit code 2', () => {
    let error: unknown;
    try {
      policyOf(config, { CANDIDATE_TOKEN: 'x', STAGE: 's' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParityError);
    const parity = error as ParityError;
    expect(parity.exitCode).toBe(2);
    expect(parity.code).toBe('CONFIG_INVALID');
    expect(parity.message).toBe(
      'shadow.headers.candidate.set.X-Env needs the environment variable REGION, which is not set; ' +
        'shadow.headers.secondary.set.authorization needs the environment variable SECONDARY_TOKEN, which is not set',
    );
  });

  it('treats an empty variable as set', () => {
    expect(policyOf({ headers: { candidate: { set: { 'X-Token': '${EMPTY}' } } } }, { EMPTY: '' }).headersFor('candidate', {})).toEqual({ 'x-token': '' });
  });

  it('expands ${NAME} only, leaving other dollar signs as written', () => {
    const missing: string[] = [];
    expect(expandEnv('$HOME ${A}${B} ${ not} $${A}', { A: '1' }, missing)).toBe('$HOME 1 ${ not} $1');
    expect(missing).toEqual(['B']);
  });

  it('times out each target on its own, defaulting to timeout_ms', () => {
    const policy = policyOf({ timeout_ms: 5_000, timeouts: { candidate: 800 } });
    expect(policy.timeoutFor('candidate')).toBe(800);
    expect(policy.timeoutFor('secondary')).toBe(5_000);
  });
});

describe('the shadow config', () => {
  it('defaults to the safe policy', () => {
    expect(ShadowConfigSchema.parse({})).toMatchObject({
      methods: ['GET', 'HEAD', 'OPTIONS'],
      sample_percent: 100,
      allow_writes: [],
      include: [],
      exclude: [],
      timeouts: {},
      headers: { candidate: { set: {}, remove: [] }, secondary: { set: {}, remove: [] } },
    });
    expect(ShadowConfigSchema.parse({}).sample_by).toBeUndefined();
  });

  it('parses a full policy that compilePolicy takes as it is', () => {
    const shadow = ShadowConfigSchema.parse({
      sample_percent: 10,
      sample_by: 'cookie:session',
      allow_writes: ['POST /invoices'],
      include: ['/api/**'],
      exclude: ['* /api/admin/**'],
      timeouts: { candidate: 1000 },
      headers: { candidate: { set: { Authorization: 'Bearer ${T}' } } },
    });
    const policy = compilePolicy(shadow, { T: 't' });
    expect(policy.headersFor('candidate', {})).toEqual({ authorization: 'Bearer t' });
    expect(policy.timeoutFor('candidate')).toBe(1000);
    expect(policy.timeoutFor('secondary')).toBe(5000);
  });
});
