/**
 * Every statistical readiness gate against its A/A and A/B test, on real servers through
 * `parity shadow` as the CLI runs it (the mirror thread, the store file) and `parity report`:
 *
 * - A/A: primary, secondary and candidate are the same service (bench/gate-service.ts), with
 *   per-request noise in every JSON answer and the instance's own URL in one NDJSON record and
 *   one text line. No gate may FAIL; correctness and errors PASS; the noise is counted as noise.
 * - A/B: the candidate is 5 ms slower and differs on 1 % of the items (and on another record or
 *   line than the noisy one of the NDJSON and text bodies): latency and correctness FAIL, and
 *   the secondary's noise cancels its own part and nothing more.
 * - A drifted secondary (another data set) and a candidate that answers 404 to everything beside
 *   a secondary that does too: never PASS, and the status difference stays in the signature.
 *
 * bench/aa.ts runs the same trials at two loads, repeatedly, and prints the false-FAIL rates.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateService, type GateServiceOptions } from '../../bench/gate-service.js';
import { JSON_READ, NDJSON_READ, runTrial, sendClosedLoop, STATISTICAL_GATES, TEXT_READ, trafficPlan, type TrialSetup } from '../../bench/gate-trial.js';
import { replaySamples } from '../../shadow-proxy/replay.js';
import { loadWorkspace } from '../../src/config/load.js';
import { useLoopback } from '../helpers/loopback.js';
import { useTempDir } from '../helpers/tmp.js';

const { listen } = useLoopback();
const tempDir = useTempDir('gates-aa');

/** Enough JSON reads for the correctness gate to decide at its defaults (zero mismatches in 2,995 pass). */
const REQUESTS = 3600;
const CLIENTS = 8;

function trial(setup: Omit<TrialSetup, 'start' | 'traffic' | 'dir'>, targets = trafficPlan(REQUESTS, 17, 6), dir = path.join(tempDir(), 'workspace')) {
  return runTrial({
    ...setup,
    dir,
    start: async (options: GateServiceOptions) => ({ url: await listen(gateService(options)), stop: async () => {} }),
    traffic: (url) => sendClosedLoop(url, targets, CLIENTS),
  });
}

const NOISY: GateServiceOptions = { noise: true };

describe('the readiness gates on identical and on different services', { timeout: 120_000 }, () => {
  it('A/A: identical services with noise fail no gate, and the noise is counted as noise', async () => {
    const { endpoints } = await trial({ primary: NOISY, secondary: NOISY, candidate: NOISY });
    for (const [endpoint, { gates }] of endpoints) {
      for (const name of STATISTICAL_GATES) expect(gates[name].status, `${endpoint} ${name}: ${gates[name].detail}`).not.toBe('FAIL');
    }
    const json = endpoints.get(JSON_READ)!;
    expect(json.gates.shadow_correctness.status, json.gates.shadow_correctness.detail).toBe('PASS');
    expect(json.gates.errors.status).toBe('PASS');
    expect(json.gates.latency.numbers.reference).toBe('secondary');
    // Every JSON answer differed in its request id and timestamp: raw differences, all noise, no mismatch.
    expect(json.report.traffic).toMatchObject({ mismatch: 0, inconclusive: 0 });
    expect(json.report.traffic.noise).toBe(json.report.requests);
    expect(json.report.traffic.raw).toBe(json.report.requests);
    expect(json.report.secondary).toEqual({ compared: json.report.requests, diverged: 0, drifted: false });
    // The instance's URL in one record and one line is noise; nothing else of those bodies differed.
    for (const side of [NDJSON_READ, TEXT_READ]) expect(endpoints.get(side)!.report.traffic, side).toMatchObject({ mismatch: 0, inconclusive: 0 });
    expect(endpoints.get(NDJSON_READ)!.report.traffic.noise).toBeGreaterThan(200);
  });

  it('A/B: a candidate 5 ms slower that differs on 1 % of items fails latency and correctness; the noise hides none of it', async () => {
    const { endpoints } = await trial({ primary: NOISY, secondary: NOISY, candidate: { ...NOISY, planted: true, delayMs: 5 } });
    const json = endpoints.get(JSON_READ)!;
    expect(json.gates.latency.status, json.gates.latency.detail).toBe('FAIL');
    expect(json.gates.shadow_correctness.status, json.gates.shadow_correctness.detail).toBe('FAIL');
    // Items n % 100 === 7 of a uniform draw: about 1 % of the reads, each a mismatch on $.price and nothing else.
    expect(json.report.mismatches).toBeGreaterThan(REQUESTS * 0.005);
    expect(json.report.signatures[0]!.signature).toBe(`${JSON_READ} | $.price value`);
    // The NDJSON record and the text line that differ are found beside the noisy one.
    expect(endpoints.get(NDJSON_READ)!.report.signatures.map((s) => s.signature)).toContain(`${NDJSON_READ} | $[*].price value; $[*].qty value`);
    expect(endpoints.get(TEXT_READ)!.report.signatures.map((s) => s.signature)).toContain(`${TEXT_READ} | line:3 line`);
  });

  it('a drifted secondary cannot pass a candidate that matches it: inconclusive requests, the drift named, at most INSUFFICIENT', async () => {
    // The candidate lost its data and answers 404; so does the secondary, which is not a replica of the primary.
    const lost = await trial({ primary: {}, secondary: { missing: true }, candidate: { missing: true } }, trafficPlan(1200, 5));
    const json = lost.endpoints.get(JSON_READ)!;
    expect(json.gates.shadow_correctness.status, json.gates.shadow_correctness.detail).toBe('INSUFFICIENT');
    expect(json.report.traffic).toMatchObject({ match: 0, mismatch: 0, inconclusive: 1200 });
    expect(json.report.requests).toBe(0);
    expect(json.report.secondary).toEqual({ compared: 1200, diverged: 1200, drifted: true });
    expect(json.gates.shadow_correctness.detail).toContain('the secondary is not a faithful reference here');
    // The status difference is what the requests showed: it stays in the signature.
    expect(json.report.signatures[0]).toMatchObject({
      signature: `${JSON_READ} | $.error extra; $.id missing; $.name missing; $.price missing; $.stock missing; $.tags missing; status status`,
    });

    // A secondary with another data set, a candidate with a planted difference: the drift is named and the difference still counts.
    const drifted = await trial({ primary: {}, secondary: { drifted: true }, candidate: { planted: true } });
    const read = drifted.endpoints.get(JSON_READ)!;
    expect(read.report.secondary!.drifted).toBe(true);
    expect(read.report.mismatches).toBeGreaterThan(0);
    expect(read.gates.shadow_correctness.status).not.toBe('PASS');
  });

  it('detached mode times the candidate against the primary it calls itself: A/A no FAIL, A/B FAIL', async () => {
    const same = await trial({ mode: 'detached', primary: {}, candidate: {} }, trafficPlan(1500, 9));
    const aa = same.endpoints.get(JSON_READ)!.gates;
    for (const name of STATISTICAL_GATES) expect(aa[name].status, `${name}: ${aa[name].detail}`).not.toBe('FAIL');
    expect(aa.latency.numbers.reference).toBe('primary');
    const slower = await trial({ mode: 'detached', primary: {}, candidate: { delayMs: 5 } }, trafficPlan(1500, 9));
    expect(slower.endpoints.get(JSON_READ)!.gates.latency.status).toBe('FAIL');
  });

  it('replay compares a new build with the stored secondary too: a fixed build matches once the noise is left out', async () => {
    const dir = path.join(tempDir(), 'replayed');
    await trial({ primary: NOISY, secondary: NOISY, candidate: { ...NOISY, planted: true } }, trafficPlan(600, 21), dir);
    const fixed = await listen(gateService(NOISY));
    const result = await replaySamples({ workspace: loadWorkspace({ cwd: dir }), cwd: dir, env: {}, candidate: fixed });
    // Every replayed answer carries its own request id and time, as the stored secondary's did: noise, so fixed.
    expect(result.totals.replayed).toBeGreaterThan(0);
    expect(result.totals).toMatchObject({ match: result.totals.replayed, same: 0, different: 0 });
    const broken = await listen(gateService({ ...NOISY, planted: true }));
    const again = await replaySamples({ workspace: loadWorkspace({ cwd: dir }), cwd: dir, env: {}, candidate: broken });
    expect(again.totals).toMatchObject({ match: 0, same: again.totals.replayed });
  });

  it('inline without a secondary the latency gate says its comparison would be biased, and never FAILs identical code', async () => {
    const { endpoints } = await trial({ primary: {}, candidate: {} }, trafficPlan(1500, 3));
    const latency = endpoints.get(JSON_READ)!.gates.latency;
    expect(latency.status).toBe('INSUFFICIENT');
    expect(latency.detail).toContain('no like-for-like timing');
  });
});
