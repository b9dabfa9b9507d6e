/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) over a store
 * filled by real shadow traffic of the billing pair: the overview shows every endpoint with the
 * store's counts; a signature's samples open with the differing path highlighted; marking a
 * signature as noise changes the numbers and the spec file, and undo restores both; a recorded
 * `<script>` stays text; new traffic appears without a reload. Screenshots of each page go to
 * test-artifacts/dashboard/ (the README shows them).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBilling, type RunningBilling } from '../../examples/billing/index.js';
import { generateTraffic } from '../../examples/billing/traffic/generate.js';
import { B3_PAYMENT } from '../../examples/billing/traffic/world.js';
import { startBillingShadow } from '../../src/demo/demo.js';
import { openShadowStore } from '../../shadow-proxy/store.js';
import { thresholdsOf } from '../../reports/readiness.js';
import { ReportConfigSchema } from '../../src/config/schema.js';
import { DashboardData } from '../../src/dashboard/data.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/server.js';
import { packageRoot } from '../../src/package-info.js';
import { loadSpecs } from '../../src/spec/load.js';
import { openStore } from '../../src/store/store.js';

const root = packageRoot();
const artifacts = path.join(root, 'test-artifacts', 'dashboard');
const PATCH = 'PATCH /customers/{customer_id}';
const ADDRESS = `${PATCH} | $.address missing`;
const PROBE = '<script>window.__pwned=1</script>';
const REFUNDS = 'POST /payments/{payment_id}/refunds';

let browser: Browser;
let dashboard: RunningDashboard;
let dir: string;
let storeFile: string;
let specFile: string;
let page: Page;
/** Uncaught errors in the page: none may happen. */
const pageErrors: Error[] = [];
const running: RunningBilling[] = [];

/** Billing traffic through the real shadow proxy into a store; a spec copy the marks may edit. */
async function shadowTraffic(): Promise<void> {
  // Not useTempDir: that cleans up after each test, and this workspace serves them all.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-dashboard-browser-'));
  fs.cpSync(path.join(root, 'specs', 'billing'), path.join(dir, 'specs'), { recursive: true });
  specFile = path.join(dir, 'specs', 'customers.update.yaml');
  storeFile = path.join(dir, 'parity.db');
  const [primary, secondary, candidate] = await Promise.all([startBilling('legacy'), startBilling('legacy'), startBilling('rewrite')]);
  running.push(primary, secondary, candidate);
  const store = openShadowStore(storeFile);
  const proxy = await startBillingShadow({
    primary: primary.url,
    secondary: secondary.url,
    candidate: candidate.url,
    specs: loadSpecs(path.join(dir, 'specs'), dir).specs,
    store,
  });
  // First, so it is among the samples kept for the R2 signature: a customer without an address renamed to a script.
  const seed = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'billing', 'seed.json'), 'utf8')) as {
    customers: { id: string; account: string; address: unknown }[];
  };
  const victim = seed.customers.find((c) => c.account === 'acct_acme' && c.address === null)!;
  const probe = await request(`${proxy.url}/customers/${victim.id}`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc', 'content-type': 'application/json' },
    body: JSON.stringify({ name: PROBE }),
  });
  expect(probe.statusCode).toBe(200);
  await probe.body.dump();
  // A write the rewrite refuses (B3: the legacy refunds more than is left) and reads of what it
  // touched: the reads differ downstream of it, and the refunds page says so.
  const acme = { authorization: 'Bearer sk_test_acme_4eC39HqLyjWDarjtT1zdp7dc', 'content-type': 'application/json' };
  const refund = await request(`${proxy.url}/payments/${B3_PAYMENT}/refunds`, { method: 'POST', headers: acme, body: JSON.stringify({ amount: 3000 }) });
  expect(refund.statusCode).toBe(201);
  await refund.body.dump();
  for (let i = 0; i < 2; i++) {
    const read = await request(`${proxy.url}/payments/${B3_PAYMENT}`, { headers: acme });
    expect(read.statusCode).toBe(200);
    await read.body.dump();
  }
  const traffic = await generateTraffic({ target: proxy.url, rps: 60, durationSeconds: 4, seed: 5, concurrency: 8 });
  expect(traffic.failed).toBe(0);
  await proxy.close();
  await store.close();
}

/** Compared requests per endpoint, straight from the store's rollups. */
function storeCounts(): Map<string, number> {
  const store = openStore(storeFile, { readonly: true });
  try {
    const rows = store.db.prepare('SELECT endpoint, sum(match + mismatch + expected) AS n FROM shadow_rollups GROUP BY endpoint').all() as {
      endpoint: string;
      n: number;
    }[];
    return new Map(rows.map((row) => [row.endpoint, row.n]));
  } finally {
    store.close();
  }
}

/** The whole page, taken with a viewport as tall as the page so the sticky header stays on top. */
async function screenshot(name: string): Promise<void> {
  fs.mkdirSync(artifacts, { recursive: true });
  const viewport = page.viewportSize()!;
  // Expressions as strings: the test is compiled without the DOM library.
  const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
  await page.setViewportSize({ width: viewport.width, height: Math.min(height, 4000) });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  await page.setViewportSize(viewport);
}

function cell(endpoint: string, column: string) {
  return page.locator(`[data-testid="endpoint-row"][data-endpoint="${endpoint}"] [data-col="${column}"]`);
}

beforeAll(async () => {
  await shadowTraffic();
  const data = new DashboardData({
    stores: [storeFile],
    marksStore: storeFile,
    specsDir: path.join(dir, 'specs'),
    cwd: dir,
    thresholds: thresholdsOf(ReportConfigSchema.parse({})),
    compareRules: {},
  });
  dashboard = await startDashboard({ data, marksStore: storeFile, cwd: dir, pollMs: 200 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error));
}, 120_000);

afterEach(() => {
  expect(pageErrors.splice(0).map((e) => e.message)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await Promise.all(running.splice(0).map((s) => s.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard in a browser', { timeout: 60_000 }, () => {
  it('shows every endpoint of the traffic with the counts the store holds', async () => {
    await page.goto(`${dashboard.url}/#/?window=24h`);
    await page.locator('[data-testid="overview-table"]').waitFor();
    const counts = storeCounts();
    expect(counts.size).toBeGreaterThan(10);
    const rows = page.locator('[data-testid="endpoint-row"]');
    const shown = await rows.evaluateAll((elements) => elements.map((e) => e.getAttribute('data-endpoint')));
    for (const endpoint of counts.keys()) expect(shown).toContain(endpoint);
    for (const [endpoint, n] of counts) expect((await cell(endpoint, 'requests').innerText()).replace(/,/g, '')).toBe(String(n));
    expect(Number(await cell(PATCH, 'diverged').innerText())).toBeGreaterThan(0);
    expect(await cell(PATCH, 'verdict').innerText()).toMatch(/NOT READY/);
    expect(await cell('POST /invoices', 'diverged').innerText()).toBe('0');
    expect(Number((await cell('POST /invoices', 'expected').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
    await screenshot('overview');

    // Sorting and filtering happen in the page.
    await page.locator('[data-testid="filter"]').fill('invoices');
    const filtered = await rows.evaluateAll((elements) => elements.map((e) => e.getAttribute('data-endpoint')!));
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((e) => e.toLowerCase().includes('invoices'))).toBe(true);
    await page.locator('[data-testid="filter"]').fill('');
  });

  it("opens a signature's samples side by side with the differing path highlighted, and a recorded <script> stays text", async () => {
    await page.goto(`${dashboard.url}/#/endpoint/${encodeURIComponent(PATCH)}?window=24h`);
    const row = page.locator(`[data-testid="signature-row"][data-signature="${ADDRESS}"]`);
    await row.waitFor();
    await row.locator('[data-action="samples"]').click();
    const samples = page.locator('[data-testid="samples"]');
    await samples.locator('[data-testid="sample"]').first().waitFor();
    expect(await samples.locator('[data-side="candidate"]').count()).toBeGreaterThan(0);
    expect(await samples.locator('[data-side="secondary"]').count()).toBeGreaterThan(0);
    // The second legacy is a replica here (writes are mirrored to it): it is named, not flagged as drifted.
    expect(await page.locator('[data-testid="secondary"]').innerText()).toMatch(
      /^Secondary disagreed with the primary on status or structure on 0 of [\d,]+ requests\.$/,
    );
    expect(await page.locator('[data-testid="secondary-drifted"]').count()).toBe(0);
    const raw = Number((await page.locator('[data-testid="summary"] [data-col="raw"] dd').innerText()).replace(/,/g, ''));
    const diverged = Number((await page.locator('[data-testid="summary"] [data-col="diverged"] dd').innerText()).replace(/,/g, ''));
    expect(raw).toBeGreaterThanOrEqual(diverged);
    expect(diverged).toBeGreaterThan(0);
    const highlighted = await samples.locator('[data-side="primary"] .diff').allInnerTexts();
    expect(highlighted.some((line) => line.includes('"address"'))).toBe(true);
    expect(await samples.innerText()).toContain(PROBE);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
    fs.mkdirSync(artifacts, { recursive: true });
    await samples
      .locator('[data-testid="sample"]')
      .first()
      .screenshot({ path: path.join(artifacts, 'samples.png') });
  });

  it("shows, on a diverged write's endpoint, the differences downstream of it, linked to where they landed", async () => {
    await page.goto(`${dashboard.url}/#/endpoint/${encodeURIComponent(REFUNDS)}?window=24h`);
    const section = page.locator('[data-testid="downstream"]');
    await section.waitFor();
    const root = section.locator('[data-testid="downstream-root"]').first();
    expect(await root.innerText()).toMatch(/^2 differences downstream of POST \/payments\/\{payment_id\}\/refunds \| .*\(expected\)/);
    expect(await page.locator('[data-testid="summary"] [data-col="downstream"] dd').innerText()).toBe('0');
    await section.getByRole('link', { name: 'GET /payments/{payment_id}' }).click();
    await page.locator('[data-testid="endpoint-title"]', { hasText: 'GET /payments/{payment_id}' }).waitFor();
    expect(await page.locator('[data-testid="summary"] [data-col="downstream"] dd').innerText()).toBe('2');
    // A section with nothing to show is left out, not printed as "null".
    expect(await page.locator('[data-testid="endpoint-page"]').innerText()).not.toMatch(/^null$/m);
    await screenshot('downstream');
  });

  it('marking noise changes the numbers and the spec file; undo restores both', async () => {
    const before = fs.readFileSync(specFile, 'utf8');
    await page.goto(`${dashboard.url}/#/endpoint/${encodeURIComponent(PATCH)}?window=24h`);
    const row = page.locator(`[data-testid="signature-row"][data-signature="${ADDRESS}"]`);
    await row.waitFor();
    const unexpected = Number(await row.locator('[data-col="unexpected"]').innerText());
    expect(unexpected).toBeGreaterThan(0);
    await row.locator('[data-action="noise"]').click();
    await expect.poll(() => page.locator('[data-testid="status-line"]').innerText()).toContain('compare.ignore $.address');
    // One item more in the flow list, every other byte as it was.
    expect(fs.readFileSync(specFile, 'utf8')).toBe(before.replace('ignore: ["$.id", "$.created"]', 'ignore: ["$.id", "$.created", "$.address"]'));
    expect(loadSpecs(path.join(dir, 'specs'), dir).specs.find((s) => s.spec.endpoint === PATCH)!.spec.compare?.ignore).toContain('$.address');
    await expect.poll(() => row.locator('[data-col="unexpected"]').innerText()).toBe('0');
    await screenshot('endpoint-marked');

    await page.goto(`${dashboard.url}/#/?window=24h`);
    await expect.poll(() => cell(PATCH, 'diverged').innerText()).toBe('0');

    await page.goto(`${dashboard.url}/#/endpoint/${encodeURIComponent(PATCH)}?window=24h`);
    await row.locator('[data-action="undo"]').click();
    await expect.poll(() => page.locator('[data-testid="status-line"]').innerText()).toContain('removed the noise mark');
    expect(fs.readFileSync(specFile, 'utf8')).toBe(before);
    await expect.poll(() => row.locator('[data-col="unexpected"]').innerText()).toBe(String(unexpected));
    await screenshot('endpoint');
  });

  it('shows new traffic without a reload', async () => {
    await page.goto(`${dashboard.url}/#/?window=24h`);
    await page.locator('[data-testid="overview-table"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="live"]').getAttribute('data-state')).toBe('live');
    const before = Number((await cell(PATCH, 'requests').innerText()).replace(/,/g, ''));
    const writer = openShadowStore(storeFile);
    for (let i = 0; i < 7; i++) {
      writer.record({
        at: Date.now(),
        endpoint: PATCH,
        outcome: 'match',
        request: { method: 'PATCH', target: '/customers/cus_x', headers: {}, body: null },
        primary: { status: 200, headers: {}, body: null, durationMs: 1 },
        candidate: { status: 200, headers: {}, body: null, durationMs: 1 },
        differences: [],
        noise: [],
        signature: null,
      });
    }
    await writer.close();
    await expect.poll(() => cell(PATCH, 'requests').innerText(), { timeout: 10_000 }).toBe(String(before + 7));
  });
});
