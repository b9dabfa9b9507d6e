// The parity dashboard page: hash routing, fetches the JSON API (src/dashboard/api.ts) and renders it.
// Every value that comes from the API is put into the DOM as text (textContent, createTextNode,
// attributes): never as markup. No innerHTML, no inline styles or handlers (the server's CSP).

const WINDOWS = ['1h', '24h', '7d', '30d', 'all'];
const DEFAULT_WINDOW = '24h';
const VERDICT_LABELS = { READY: 'READY', NOT_READY: 'NOT READY', INSUFFICIENT_DATA: 'INSUFFICIENT DATA' };
const VERDICT_ORDER = { NOT_READY: 0, INSUFFICIENT_DATA: 1, READY: 2 };
const GATE_TITLES = {
  spec: 'Spec approved',
  spec_tests: 'Spec tests',
  shadow_correctness: 'Shadow correctness',
  errors: 'Error rate',
  latency: 'Latency',
  coverage: 'Coverage',
};
const GATE_STATUS_LABELS = { PASS: '✓ pass', FAIL: '✗ fail', INSUFFICIENT: '… insufficient' };
const SVG_NS = 'http://www.w3.org/2000/svg';
const REFRESH_INTERVAL_MS = 1000;

const app = document.getElementById('app');
const liveEl = document.querySelector('[data-testid="live"]');
const csrfToken = document.querySelector('meta[name="parity-csrf"]')?.getAttribute('content') ?? '';

/** What survives re-renders: sort, filters, the open "expected" picker, the last status message. */
const state = {
  route: null,
  sort: { col: null, dir: 'asc' },
  filter: '',
  verdict: 'all',
  overview: null,
  detail: null,
  samples: null,
  /** The signature whose "Expected" picker is open. */
  picking: null,
  status: null,
  /** Bumped by every route change: answers for an older route are dropped. */
  generation: 0,
};

// ---------------------------------------------------------------------------------------------
// Small DOM helpers: everything is text.

/**
 * h('td', { class: 'num', dataset: { col: 'requests' } }, '12', child): an element whose
 * strings become text nodes. Attributes are set with setAttribute (never `style`).
 */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = String(v);
    } else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === 'style') {
      throw new Error('inline styles are blocked by the CSP: use a class');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting.

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ms1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const ms2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function fmtCount(n) {
  return n === null || n === undefined ? '—' : countFormat.format(n);
}

/** A fraction as a percentage with two decimals, no unit. */
function pctNumber(fraction) {
  return (fraction * 100).toFixed(2);
}

function fmtPct(fraction) {
  return fraction === null || fraction === undefined ? '—' : `${pctNumber(fraction)} %`;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '—';
  return ms < 10 ? ms2.format(ms) : ms1.format(ms);
}

function fmtMatchRate(summary) {
  if (summary.match_rate === null) return '—';
  return `${fmtPct(summary.match_rate)} (${pctNumber(summary.interval.lower)}–${pctNumber(summary.interval.upper)})`;
}

function fmtDateTime(ms) {
  return ms === null || ms === undefined ? '—' : dateTimeFormat.format(new Date(ms));
}

function timeEl(ms) {
  if (ms === null || ms === undefined) return document.createTextNode('—');
  return h('time', { datetime: new Date(ms).toISOString() }, fmtDateTime(ms));
}

function fmtStatusCode(status) {
  return status === 0 ? 'no answer' : String(status);
}

function plural(n, word) {
  return `${fmtCount(n)} ${n === 1 ? word : `${word}s`}`;
}

function verdictBadge(verdict) {
  return h('span', { class: `badge verdict verdict-${verdict}`, dataset: { verdict } }, VERDICT_LABELS[verdict] ?? String(verdict));
}

function specBadge(status) {
  return h('span', { class: `badge spec-status spec-${status}`, dataset: { specStatus: status } }, String(status));
}

function latestTestText(test) {
  if (!test) return '—';
  if (test.passed) return '✓ passed';
  if (test.rewrite_failures > 0) return `✗ ${fmtCount(test.rewrite_failures)} failing`;
  return '✗ failed';
}

function latestTestClass(test) {
  if (!test) return 'muted';
  return test.passed ? 'good' : 'bad';
}

// ---------------------------------------------------------------------------------------------
// Routing: #/?window=W and #/endpoint/<encodeURIComponent(endpoint)>?window=W&samples=<signature>

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  const requested = params.get('window');
  const window = WINDOWS.includes(requested) ? requested : DEFAULT_WINDOW;
  if (path === '/' || path === '') return { page: 'overview', window };
  const match = /^\/endpoint\/(.+)$/.exec(path);
  if (match) {
    let endpoint;
    try {
      endpoint = decodeURIComponent(match[1]);
    } catch {
      return { page: 'not-found', window, path };
    }
    return { page: 'endpoint', window, endpoint, samples: params.get('samples') };
  }
  return { page: 'not-found', window, path };
}

function hashFor(route) {
  if (route.page === 'endpoint') {
    let hash = `#/endpoint/${encodeURIComponent(route.endpoint)}?window=${encodeURIComponent(route.window)}`;
    if (route.samples) hash += `&samples=${encodeURIComponent(route.samples)}`;
    return hash;
  }
  return `#/?window=${encodeURIComponent(route.window)}`;
}

function navigate(route) {
  const hash = hashFor(route);
  if (location.hash !== hash) location.hash = hash;
  else onRoute();
}

function sameData(route, previous) {
  return previous && previous.page === route.page && previous.window === route.window && (route.page !== 'endpoint' || previous.endpoint === route.endpoint);
}

function onRoute() {
  const route = parseHash();
  const previous = state.route;
  state.route = route;
  updateWindowButtons(route);
  if (sameData(route, previous)) {
    // Only the samples panel changed: keep the page, open or close the panel.
    if (route.page === 'endpoint' && previous.samples !== route.samples) {
      state.samples = null;
      renderSamplesSlot();
      if (route.samples) loadSamples(true);
    }
    return;
  }
  state.generation += 1;
  state.overview = null;
  state.detail = null;
  state.samples = null;
  state.picking = null;
  state.pickingBehavior = null;
  if (!previous || previous.page !== route.page || previous.endpoint !== route.endpoint) state.status = null;
  renderLoading();
  if (previous && (previous.page !== route.page || previous.endpoint !== route.endpoint)) window.scrollTo(0, 0);
  load(true);
}

function updateWindowButtons(route) {
  for (const button of document.querySelectorAll('[data-window]')) {
    const active = button.dataset.window === route.window;
    button.setAttribute('aria-pressed', active ? 'true' : 'false');
    button.disabled = route.page === 'not-found';
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching.

class ApiError extends Error {
  /** `detail`: the message with the HTTP status, for page-level errors. */
  constructor(message, detail = message) {
    super(message);
    this.detail = detail;
  }
}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(`Could not reach the parity server (${err instanceof Error ? err.message : String(err)}).`);
  }
  return readAnswer(response);
}

async function postJson(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Parity-Csrf': csrfToken, Accept: 'application/json' },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(`Could not reach the parity server (${err instanceof Error ? err.message : String(err)}).`);
  }
  return readAnswer(response);
}

async function readAnswer(response) {
  const text = await response.text();
  let data = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = data && typeof data.error === 'string' ? data.error : text.trim().slice(0, 300) || response.statusText;
    throw new ApiError(message, `${message} (HTTP ${response.status})`);
  }
  if (data === null) throw new ApiError(`The server answered something that is not JSON (HTTP ${response.status}).`);
  return data;
}

function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

function detailOf(err) {
  return err instanceof ApiError ? err.detail : messageOf(err);
}

/** Loads the current route's data; `first` shows errors in place of the page, later ones above it. */
async function load(first) {
  const route = state.route;
  const generation = state.generation;
  try {
    if (route.page === 'overview') {
      const data = await getJson(`/api/overview?window=${encodeURIComponent(route.window)}`);
      if (generation !== state.generation) return;
      const previous = state.overview;
      const changed = !previous || JSON.stringify(previous.endpoints) !== JSON.stringify(data.endpoints);
      const emptiness = !previous || (previous.endpoints.length === 0) !== (data.endpoints.length === 0);
      state.overview = data;
      state.loadError = null;
      if (first || emptiness || !document.querySelector('[data-testid="overview-table"], [data-testid="empty"]')) keepingPlace(renderOverviewPage);
      else {
        if (changed) keepingPlace(renderOverviewRows);
        renderOverviewMeta();
        renderErrorBanner();
      }
    } else if (route.page === 'endpoint') {
      const url = `/api/endpoint?endpoint=${encodeURIComponent(route.endpoint)}&window=${encodeURIComponent(route.window)}`;
      const samplesPromise = route.samples ? loadSamples(first) : null;
      const data = await getJson(url);
      if (generation !== state.generation) return;
      const changed = !state.detail || JSON.stringify(state.detail) !== JSON.stringify(data);
      state.detail = data;
      state.loadError = null;
      if (first || changed || !document.querySelector('[data-testid="endpoint-page"]')) keepingPlace(renderEndpointPage);
      else renderErrorBanner();
      await samplesPromise;
    } else {
      renderNotFound(route);
    }
  } catch (err) {
    if (generation !== state.generation) return;
    const what = route.page === 'overview' ? 'the overview' : `endpoint ${route.endpoint}`;
    state.loadError = `Could not load ${what}: ${detailOf(err)}`;
    const hasPage = document.querySelector('[data-testid="overview-table"], [data-testid="empty"], [data-testid="endpoint-page"]');
    if (first || !hasPage) renderFatal(state.loadError);
    else renderErrorBanner();
  }
}

async function loadSamples(showLoading) {
  const route = state.route;
  const generation = state.generation;
  const signature = route.samples;
  if (showLoading) {
    state.samples = { signature, loading: true };
    renderSamplesSlot();
  }
  try {
    const data = await getJson(`/api/samples?endpoint=${encodeURIComponent(route.endpoint)}&signature=${encodeURIComponent(signature)}`);
    if (generation !== state.generation || state.route.samples !== signature) return;
    const previous = state.samples;
    if (previous && previous.data && JSON.stringify(previous.data) === JSON.stringify(data)) return;
    state.samples = { signature, data };
  } catch (err) {
    if (generation !== state.generation || state.route.samples !== signature) return;
    state.samples = { signature, error: `Could not load the samples: ${detailOf(err)}` };
  }
  keepingPlace(renderSamplesSlot);
}

// ---------------------------------------------------------------------------------------------
// Re-rendering in place: keep the scroll position and the focused control.

function keepingPlace(render) {
  const x = window.scrollX;
  const y = window.scrollY;
  const focusKey = focusKeyOf(document.activeElement);
  render();
  if (focusKey) {
    const again = findByFocusKey(focusKey);
    if (again && again !== document.activeElement) again.focus({ preventScroll: true });
  }
  if (window.scrollX !== x || window.scrollY !== y) window.scrollTo(x, y);
}

function focusKeyOf(el) {
  if (!el || el === document.body || !app.contains(el)) return null;
  const holder = el.closest('[data-signature]');
  return {
    signature: holder ? holder.dataset.signature : null,
    action: el.dataset.action ?? null,
    sort: el.closest('[data-sort]')?.dataset.sort ?? null,
    testid: el.dataset.testid ?? null,
    endpoint: el.closest('[data-endpoint]')?.dataset.endpoint ?? null,
  };
}

function findByFocusKey(key) {
  const candidates = app.querySelectorAll('button, a, input, select');
  for (const el of candidates) {
    const k = focusKeyOf(el);
    if (!k) continue;
    if (k.signature === key.signature && k.action === key.action && k.sort === key.sort && k.testid === key.testid && k.endpoint === key.endpoint) return el;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Page frames.

function renderLoading() {
  app.replaceChildren(h('p', { class: 'loading', dataset: { testid: 'loading' }, role: 'status' }, 'Loading…'));
}

function renderFatal(message) {
  const route = state.route;
  app.replaceChildren(
    h(
      'div',
      { class: 'error', dataset: { testid: 'error' }, role: 'alert' },
      h('strong', null, 'Something went wrong. '),
      message,
      ' ',
      h('button', { type: 'button', class: 'link-button', on: { click: () => load(true) } }, 'Try again'),
    ),
    route.page === 'endpoint' ? h('p', null, h('a', { href: hashFor({ page: 'overview', window: route.window }) }, '← All endpoints')) : null,
  );
}

function renderNotFound(route) {
  document.title = 'parity — not found';
  app.replaceChildren(
    h('div', { class: 'error', dataset: { testid: 'error' }, role: 'alert' }, `There is no page at ${route.path}.`),
    h('p', null, h('a', { href: hashFor({ page: 'overview', window: route.window }) }, '← All endpoints')),
  );
}

/** The banner for a failed refresh: the page stays as it was, with the error above it. */
function renderErrorBanner() {
  const slot = app.querySelector('[data-slot="banner"]');
  if (!slot) return;
  slot.replaceChildren(state.loadError ? h('div', { class: 'error', dataset: { testid: 'error' }, role: 'alert' }, state.loadError) : '');
}

function statusLine() {
  const status = state.status;
  return h(
    'p',
    {
      class: `status-line${status ? ` status-${status.kind}` : ''}`,
      dataset: { testid: 'status-line' },
      role: 'status',
      'aria-live': 'polite',
      title: status && status.title ? status.title : null,
    },
    status ? status.text : '',
  );
}

function renderStatusLine() {
  const old = app.querySelector('[data-testid="status-line"]');
  if (old) old.replaceWith(statusLine());
}

// ---------------------------------------------------------------------------------------------
// Overview.

const COLUMNS = [
  { col: 'endpoint', title: 'Endpoint', key: (e) => e.endpoint, text: true },
  { col: 'spec', title: 'Spec', key: (e) => (e.spec ? e.spec.id : null), text: true },
  { col: 'requests', title: 'Requests', key: (e) => e.requests, num: true },
  { col: 'match-rate', title: 'Match rate (95 % interval)', key: (e) => e.match_rate, num: true },
  { col: 'trend', title: 'Trend', key: (e) => trendRate(e.trend), num: true, left: true, hint: 'diverged / requests per bucket' },
  { col: 'diverged', title: 'Diverged', key: (e) => e.diverged, num: true },
  { col: 'expected', title: 'Expected', key: (e) => e.expected, num: true },
  { col: 'noise', title: 'Noise', key: (e) => e.noise, num: true },
  { col: 'latency', title: 'p50 / p99 ms', key: (e) => e.latency.rewrite?.p99 ?? null, num: true, hint: 'legacy vs rewrite; sorts by the rewrite p99' },
  { col: 'errors', title: 'Error rate', key: (e) => e.error_rate.rewrite, num: true, hint: 'legacy vs rewrite; sorts by the rewrite' },
  {
    col: 'latest-test',
    title: 'Latest spec test',
    left: true,
    key: (e) => (e.latest_test ? (e.latest_test.passed ? 0 : Math.max(1, e.latest_test.rewrite_failures)) : null),
    num: true,
  },
  { col: 'verdict', title: 'Verdict', key: (e) => VERDICT_ORDER[e.verdict] ?? 99, num: true, left: true },
];

function trendRate(trend) {
  let requests = 0;
  let diverged = 0;
  for (const bucket of trend) {
    requests += bucket.requests;
    diverged += bucket.diverged;
  }
  return requests === 0 ? null : diverged / requests;
}

function renderOverviewPage() {
  const data = state.overview;
  document.title = 'parity — overview';
  const page = h('section', { class: 'overview', dataset: { testid: 'overview-page' }, 'aria-labelledby': 'overview-title' });
  page.append(
    h('div', { class: 'page-head' }, h('h1', { id: 'overview-title' }, 'Endpoints'), h('p', { class: 'meta', dataset: { slot: 'overview-meta' } })),
    h('div', { dataset: { slot: 'banner' } }),
  );
  if (data.endpoints.length === 0) {
    page.append(
      h(
        'div',
        { class: 'empty-state', dataset: { testid: 'empty' } },
        h('h2', null, 'No traffic or specs yet…'),
        h(
          'p',
          null,
          'Endpoints appear here once the shadow proxy has compared traffic in this window, or a spec has been written for them. ',
          'Try a longer window, run ',
          h('code', null, 'parity shadow'),
          ' to mirror traffic to the rewrite, or ',
          h('code', null, 'parity extract'),
          ' to draft specs.',
        ),
      ),
    );
    app.replaceChildren(page);
    renderOverviewMeta();
    return;
  }

  const filterInput = h('input', {
    type: 'search',
    id: 'endpoint-filter',
    placeholder: 'Filter endpoints…',
    autocomplete: 'off',
    spellcheck: 'false',
    value: state.filter,
    dataset: { testid: 'filter' },
  });
  filterInput.value = state.filter;
  filterInput.addEventListener('input', () => {
    state.filter = filterInput.value;
    renderOverviewRows();
  });
  const verdictSelect = h(
    'select',
    { id: 'verdict-filter', dataset: { testid: 'verdict-filter' } },
    h('option', { value: 'all' }, 'All verdicts'),
    ...Object.entries(VERDICT_LABELS)
      .sort((a, b) => VERDICT_ORDER[a[0]] - VERDICT_ORDER[b[0]])
      .map(([value, label]) => h('option', { value }, label)),
  );
  verdictSelect.value = state.verdict;
  verdictSelect.addEventListener('change', () => {
    state.verdict = verdictSelect.value;
    renderOverviewRows();
  });

  const headRow = h('tr');
  for (const column of COLUMNS) {
    const th = h(
      'th',
      {
        scope: 'col',
        class: `sortable${column.num && !column.left ? ' num' : ''}`,
        dataset: { sort: column.col },
        'aria-sort': 'none',
        title: column.hint ? `${column.title}: ${column.hint}. Click to sort.` : `Sort by ${column.title.toLowerCase()}`,
      },
      h('button', { type: 'button', class: 'sort-button' }, column.title, h('span', { class: 'sort-mark', 'aria-hidden': 'true' })),
    );
    th.addEventListener('click', () => {
      if (state.sort.col === column.col) state.sort.dir = state.sort.dir === 'asc' ? 'desc' : 'asc';
      else state.sort = { col: column.col, dir: 'asc' };
      renderOverviewRows();
    });
    headRow.append(th);
  }

  page.append(
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'endpoint-filter', class: 'control' }, h('span', null, 'Endpoint'), filterInput),
      h('label', { for: 'verdict-filter', class: 'control' }, h('span', null, 'Verdict'), verdictSelect),
      h('span', { class: 'shown muted', dataset: { testid: 'shown-count' }, 'aria-live': 'polite' }),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'endpoints', dataset: { testid: 'overview-table' } },
        h('caption', { class: 'visually-hidden' }, 'Endpoints in the window, with their shadowing numbers and verdicts'),
        h('thead', null, headRow),
        h('tbody'),
      ),
    ),
    h('p', { class: 'no-match muted', dataset: { testid: 'no-match' }, hidden: true }, 'No endpoint matches the filter.'),
  );
  app.replaceChildren(page);
  renderOverviewMeta();
  renderOverviewRows();
}

function renderOverviewMeta() {
  const slot = app.querySelector('[data-slot="overview-meta"]');
  if (!slot || !state.overview) return;
  const data = state.overview;
  slot.replaceChildren(
    data.since === null ? 'All recorded traffic' : h('span', null, 'Since ', timeEl(data.since)),
    ' · updated ',
    h('time', { datetime: new Date(data.generated_at).toISOString() }, timeFormat.format(new Date(data.generated_at))),
    data.sources.length > 0 ? ` · ${data.sources.length === 1 ? 'store' : 'stores'}: ${data.sources.join(', ')}` : '',
  );
}

function visibleEndpoints() {
  const needle = state.filter.trim().toLowerCase();
  let rows = state.overview.endpoints.filter(
    (e) => (needle === '' || e.endpoint.toLowerCase().includes(needle)) && (state.verdict === 'all' || e.verdict === state.verdict),
  );
  const column = COLUMNS.find((c) => c.col === state.sort.col);
  if (column) {
    const factor = state.sort.dir === 'asc' ? 1 : -1;
    rows = rows
      .map((e, i) => ({ e, i, k: column.key(e) }))
      .sort((a, b) => {
        // Missing values last whichever the direction.
        const an = a.k === null || a.k === undefined;
        const bn = b.k === null || b.k === undefined;
        if (an !== bn) return an ? 1 : -1;
        let d = 0;
        if (!an) d = column.num ? a.k - b.k : String(a.k).localeCompare(String(b.k), 'en', { numeric: true, sensitivity: 'base' });
        if (d !== 0) return d * factor;
        return a.e.endpoint.localeCompare(b.e.endpoint, 'en') || a.i - b.i;
      })
      .map((x) => x.e);
  }
  return rows;
}

function renderOverviewRows() {
  const table = app.querySelector('[data-testid="overview-table"]');
  if (!table) return;
  for (const th of table.querySelectorAll('th[data-sort]')) {
    const active = th.dataset.sort === state.sort.col;
    th.setAttribute('aria-sort', active ? (state.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none');
    th.querySelector('.sort-mark').textContent = active ? (state.sort.dir === 'asc' ? ' ▲' : ' ▼') : '';
  }
  const rows = visibleEndpoints();
  const tbody = h('tbody');
  for (const e of rows) tbody.append(overviewRow(e));
  table.querySelector('tbody').replaceWith(tbody);
  const total = state.overview.endpoints.length;
  app.querySelector('[data-testid="shown-count"]').textContent =
    rows.length === total ? plural(total, 'endpoint') : `${fmtCount(rows.length)} of ${plural(total, 'endpoint')}`;
  app.querySelector('[data-testid="no-match"]').hidden = rows.length > 0;
}

function overviewRow(e) {
  const window = state.route.window;
  const link = h('a', { href: hashFor({ page: 'endpoint', endpoint: e.endpoint, window }), class: 'endpoint-link' }, e.endpoint);
  const lat = e.latency;
  return h(
    'tr',
    { dataset: { testid: 'endpoint-row', endpoint: e.endpoint, verdict: e.verdict } },
    h('td', { dataset: { col: 'endpoint' }, class: 'endpoint-cell' }, link),
    h(
      'td',
      { dataset: { col: 'spec' }, class: 'spec-cell' },
      e.spec
        ? [h('span', { class: 'spec-id', title: e.spec.file }, e.spec.id), ' ', h('span', { class: 'spec-badge-line' }, specBadge(e.spec.status))]
        : h('span', { class: 'muted' }, 'no spec'),
    ),
    h('td', { dataset: { col: 'requests' }, class: 'num' }, fmtCount(e.requests)),
    h(
      'td',
      { dataset: { col: 'match-rate' }, class: 'num nowrap' },
      e.match_rate === null
        ? '—'
        : [
            h('span', { class: 'rate-main' }, fmtPct(e.match_rate)),
            h('span', { class: 'interval muted' }, ` (${pctNumber(e.interval.lower)}–${pctNumber(e.interval.upper)})`),
          ],
    ),
    h('td', { dataset: { col: 'trend' }, class: 'trend-cell' }, sparkline(e.trend)),
    h('td', { dataset: { col: 'diverged' }, class: `num${e.diverged > 0 ? ' bad' : ''}` }, fmtCount(e.diverged)),
    h('td', { dataset: { col: 'expected' }, class: 'num' }, fmtCount(e.expected)),
    h('td', { dataset: { col: 'noise' }, class: 'num' }, fmtCount(e.noise)),
    h(
      'td',
      { dataset: { col: 'latency' }, class: 'num pair' },
      pairLine('L', lat.legacy ? `${fmtMs(lat.legacy.p50)} / ${fmtMs(lat.legacy.p99)}` : '—', 'legacy p50 / p99 ms'),
      pairLine('R', lat.rewrite ? `${fmtMs(lat.rewrite.p50)} / ${fmtMs(lat.rewrite.p99)}` : '—', 'rewrite p50 / p99 ms'),
    ),
    h(
      'td',
      { dataset: { col: 'errors' }, class: 'num pair' },
      pairLine('L', fmtPct(e.error_rate.legacy), 'legacy 5xx rate'),
      pairLine('R', fmtPct(e.error_rate.rewrite), 'rewrite 5xx-or-no-answer rate'),
    ),
    h(
      'td',
      {
        dataset: { col: 'latest-test' },
        class: latestTestClass(e.latest_test),
        title: e.latest_test ? `finished ${e.latest_test.finished_at}` : 'no spec test run recorded',
      },
      latestTestText(e.latest_test),
    ),
    h('td', { dataset: { col: 'verdict' } }, verdictBadge(e.verdict)),
  );
}

function pairLine(side, text, title) {
  return h('span', { class: 'pair-line', title }, h('abbr', { class: 'side-tag', title: side === 'L' ? 'legacy' : 'rewrite' }, side), ' ', text);
}

/** diverged / requests per bucket as a small SVG line; empty buckets sit at zero, drawn as dots. */
function sparkline(trend) {
  const width = 80;
  const height = 22;
  const pad = 2;
  const rates = trend.map((b) => (b.requests > 0 ? b.diverged / b.requests : null));
  const max = Math.max(0, ...rates.filter((r) => r !== null));
  const anyDiverged = trend.some((b) => b.diverged > 0);
  const label =
    trend.length === 0
      ? 'no buckets'
      : `${trend.length} buckets; highest diverged share ${fmtPct(max)}; ${fmtCount(trend.reduce((s, b) => s + b.diverged, 0))} diverged of ${fmtCount(trend.reduce((s, b) => s + b.requests, 0))}`;
  const el = svg('svg', {
    class: `sparkline${anyDiverged ? ' has-diverged' : ''}`,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Trend: ${label}`,
    dataset: { testid: 'sparkline' },
  });
  el.append(svg('title', null, `diverged / requests per bucket: ${label}`));
  el.append(svg('line', { x1: 0, x2: width, y1: height - pad, y2: height - pad, class: 'spark-base' }));
  if (trend.length === 0) return el;
  const step = trend.length === 1 ? 0 : (width - 2 * pad) / (trend.length - 1);
  const y = (r) => height - pad - (max > 0 ? (r / max) * (height - 2 * pad) : 0);
  const points = rates.map((r, i) => `${(pad + i * step).toFixed(1)},${y(r ?? 0).toFixed(1)}`);
  if (trend.length === 1) points.push(`${(width - pad).toFixed(1)},${y(rates[0] ?? 0).toFixed(1)}`);
  el.append(svg('polyline', { points: points.join(' '), class: 'spark-line', fill: 'none' }));
  rates.forEach((r, i) => {
    if (r === null) el.append(svg('circle', { cx: (pad + i * step).toFixed(1), cy: height - pad, r: 0.9, class: 'spark-empty' }));
  });
  return el;
}

// ---------------------------------------------------------------------------------------------
// Endpoint page.

function renderEndpointPage() {
  const d = state.detail;
  const s = d.summary;
  const route = state.route;
  document.title = `parity — ${s.endpoint}`;
  // Built with h(), which leaves out the sections that have nothing to show (null); a plain append() would print "null".
  const page = h(
    'article',
    { class: 'endpoint-page', dataset: { testid: 'endpoint-page', endpoint: s.endpoint } },
    h('p', { class: 'crumbs' }, h('a', { href: hashFor({ page: 'overview', window: route.window }) }, '← All endpoints')),
    h(
      'div',
      { class: 'page-head' },
      h('h1', { dataset: { testid: 'endpoint-title' } }, h('span', { class: 'endpoint-name' }, s.endpoint), ' ', verdictBadge(s.verdict)),
    ),
    h('div', { dataset: { slot: 'banner' } }),
    statusLine(),
    summarySection(d),
    reasonsSection(d),
    gatesSection(d),
    specSection(d),
    signaturesSection(d),
    downstreamSection(d),
    h('div', { dataset: { slot: 'samples' } }),
    h('div', { class: 'two-col' }, fieldTreeSection(d), statusMatrixSection(d)),
    behaviorsSection(d),
  );
  // The open samples panel is kept as it is (its scroll positions too) when its data did not change.
  const oldPanel = app.querySelector('[data-testid="samples"]');
  app.replaceChildren(page);
  renderErrorBanner();
  if (oldPanel && oldPanel.parityState === state.samples && oldPanel.dataset.signature === route.samples) {
    page.querySelector('[data-slot="samples"]').replaceChildren(oldPanel);
    updateSampleButtons();
  } else {
    renderSamplesSlot();
  }
}

/** How faithful the secondary is on this endpoint; a drifted one is called out, since its noise hides real differences. */
function secondaryNote(secondary) {
  if (!secondary) return null;
  const share = `${fmtCount(secondary.diverged)} of ${fmtCount(secondary.compared)} requests`;
  return secondary.drifted
    ? h(
        'p',
        { class: 'secondary-note drifted', role: 'alert', dataset: { testid: 'secondary-drifted' } },
        `Secondary drifted: it disagreed with the primary on status or structure on ${share}. Its noise cannot be trusted here; correctness is at most INSUFFICIENT until it is a replica of the primary again.`,
      )
    : h('p', { class: 'secondary-note muted', dataset: { testid: 'secondary' } }, `Secondary disagreed with the primary on status or structure on ${share}.`);
}

function noiseTag(sig) {
  if (sig.noise && sig.inconclusive > 0)
    return h(
      'span',
      { class: 'tag tag-inconclusive', title: 'the secondary disagreed with the primary on status or structure: not evidence either way' },
      'inconclusive',
    );
  if (sig.noise) return h('span', { class: 'tag tag-noise' }, 'noise');
  if (sig.inconclusive > 0) return h('span', { class: 'tag tag-inconclusive' }, `${fmtCount(sig.inconclusive)} inconclusive`);
  return h('span', { class: 'muted' }, '—');
}

function summarySection(d) {
  const s = d.summary;
  const items = [
    ['Requests', fmtCount(s.requests), 'requests'],
    ['Match rate (95 % interval)', fmtMatchRate(s), 'match-rate'],
    ['Matched', fmtCount(s.match), 'match'],
    ['Raw differences', fmtCount(s.raw), 'raw'],
    ['Noise (matched once left out)', fmtCount(s.noise), 'noise'],
    ['Inconclusive', fmtCount(s.inconclusive), 'inconclusive'],
    ['Unexpected (diverged)', fmtCount(s.diverged), 'diverged'],
    ['Expected', fmtCount(s.expected), 'expected'],
    ['Rewrite errors', fmtCount(s.candidate_error), 'candidate-error'],
    ['Not compared', fmtCount(s.not_compared), 'not-compared'],
    ['Downstream', fmtCount(s.downstream), 'downstream'],
    ['Dropped', fmtCount(s.dropped), 'dropped'],
    ['Latency legacy p50 / p99', s.latency.legacy ? `${fmtMs(s.latency.legacy.p50)} / ${fmtMs(s.latency.legacy.p99)} ms` : '—', 'latency-legacy'],
    ['Latency rewrite p50 / p99', s.latency.rewrite ? `${fmtMs(s.latency.rewrite.p50)} / ${fmtMs(s.latency.rewrite.p99)} ms` : '—', 'latency-rewrite'],
    ['Error rate legacy / rewrite', `${fmtPct(s.error_rate.legacy)} / ${fmtPct(s.error_rate.rewrite)}`, 'errors'],
    ['Latest spec test', latestTestText(s.latest_test), 'latest-test'],
  ];
  return h(
    'section',
    { class: 'card summary', 'aria-labelledby': 'summary-title' },
    h('h2', { id: 'summary-title', class: 'visually-hidden' }, 'Summary'),
    h(
      'dl',
      { class: 'summary-grid', dataset: { testid: 'summary' } },
      items.map(([label, value, col]) => h('div', { class: 'summary-item', dataset: { col } }, h('dt', null, label), h('dd', { class: 'num' }, value))),
      h('div', { class: 'summary-item trend', dataset: { col: 'trend' } }, h('dt', null, 'Trend'), h('dd', null, sparkline(s.trend))),
    ),
    secondaryNote(s.secondary),
  );
}

function reasonsSection(d) {
  if (d.reasons.length === 0) return null;
  return h(
    'section',
    { class: 'reasons', 'aria-labelledby': 'reasons-title', dataset: { testid: 'reasons' } },
    h('h2', { id: 'reasons-title' }, d.summary.verdict === 'READY' ? 'Notes' : 'Why it is not ready'),
    h(
      'ul',
      null,
      d.reasons.map((r) => h('li', null, r)),
    ),
  );
}

function gatesSection(d) {
  return h(
    'section',
    { 'aria-labelledby': 'gates-title' },
    h('h2', { id: 'gates-title' }, 'Gates'),
    d.gates.length === 0
      ? h('p', { class: 'muted' }, 'No gates.')
      : h(
          'table',
          { class: 'gates', dataset: { testid: 'gates' } },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Gate'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Detail'))),
          h(
            'tbody',
            null,
            d.gates.map((g) =>
              h(
                'tr',
                { dataset: { testid: 'gate-row', gate: g.name, status: g.status } },
                h('th', { scope: 'row' }, GATE_TITLES[g.name] ?? g.name),
                h('td', { class: `gate-status gate-${g.status}` }, GATE_STATUS_LABELS[g.status] ?? g.status),
                h('td', null, g.detail),
              ),
            ),
          ),
        ),
  );
}

function specSection(d) {
  const spec = d.spec;
  if (!spec) {
    return h(
      'section',
      { 'aria-labelledby': 'spec-title', dataset: { testid: 'spec' } },
      h('h2', { id: 'spec-title' }, 'Spec'),
      h('p', { class: 'muted' }, 'No spec covers this endpoint: differences cannot be marked expected until one is written.'),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'spec-title', dataset: { testid: 'spec' } },
    h('h2', { id: 'spec-title' }, 'Spec'),
    h(
      'p',
      null,
      h('strong', { class: 'spec-id' }, spec.id),
      ' ',
      specBadge(spec.status),
      ' ',
      h('code', { class: 'file' }, spec.file),
      spec.approval ? h('span', { class: 'muted' }, ` · approved by ${spec.approval.by} at ${spec.approval.at}`) : null,
    ),
    spec.reasons.length > 0
      ? h(
          'ul',
          { class: 'spec-reasons' },
          spec.reasons.map((r) => h('li', null, r)),
        )
      : null,
  );
}

function fixBehaviors(d) {
  return d.spec ? d.spec.behaviors.filter((b) => b.disposition === 'fix') : [];
}

function signaturesSection(d) {
  const fixes = fixBehaviors(d);
  const section = h('section', { 'aria-labelledby': 'signatures-title' }, h('h2', { id: 'signatures-title' }, 'Difference signatures'));
  if (d.signatures.length === 0) {
    section.append(h('p', { class: 'muted', dataset: { testid: 'no-signatures' } }, 'No differences recorded in this window.'));
    return section;
  }
  const table = h(
    'table',
    { class: 'signatures', dataset: { testid: 'signatures' } },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', class: 'num' }, '#'),
        h('th', { scope: 'col' }, 'Differences'),
        h('th', { scope: 'col', class: 'num' }, 'Count'),
        h('th', { scope: 'col', class: 'num' }, 'Expected'),
        h('th', { scope: 'col', class: 'num' }, 'Unexpected'),
        h('th', { scope: 'col' }, 'Noise'),
        h('th', { scope: 'col' }, 'Mark'),
        h('th', { scope: 'col' }, 'First / last seen'),
        h('th', { scope: 'col' }, 'Actions'),
      ),
    ),
  );
  const tbody = h('tbody');
  d.signatures.forEach((sig, i) => tbody.append(signatureRow(d, sig, i, fixes)));
  table.append(tbody);
  section.append(h('div', { class: 'table-wrap' }, table));
  return section;
}

/** What this endpoint's diverged writes caused elsewhere: counted here, against the root, not as mismatches there. */
function downstreamSection(d) {
  if (d.downstream.length === 0) return null;
  const route = state.route;
  const rootText = (entry) => {
    if (entry.root_signature !== null) return [h('code', null, entry.root_signature), ` (${entry.root_outcome})`];
    if (entry.root_outcome === 'dropped') return 'a write the mirror queue dropped (the candidate never got it)';
    if (entry.root_outcome === 'candidate_error') return 'a write the candidate did not answer';
    return `a write recorded ${entry.root_outcome}`;
  };
  const items = d.downstream.map((entry) => {
    // The root is one of this page's signatures: its samples show the write that diverged.
    const hasRoot = entry.root_signature !== null && d.signatures.some((sig) => sig.signature === entry.root_signature);
    return h(
      'li',
      { dataset: { testid: 'downstream-root', root: entry.root_signature ?? entry.root_outcome } },
      h('strong', null, `${fmtCount(entry.count)} ${entry.count === 1 ? 'difference' : 'differences'} downstream of `),
      rootText(entry),
      `, first at ${fmtDateTime(entry.root_at)}`,
      hasRoot ? [' ', h('a', { href: hashFor({ ...route, samples: entry.root_signature }) }, 'root samples')] : null,
      h(
        'ul',
        { class: 'downstream-endpoints' },
        entry.endpoints.map((e) =>
          h('li', null, h('a', { href: hashFor({ page: 'endpoint', endpoint: e.endpoint, window: route.window }) }, e.endpoint), ` ${fmtCount(e.count)}`),
        ),
      ),
    );
  });
  return h(
    'section',
    { 'aria-labelledby': 'downstream-title', dataset: { testid: 'downstream' } },
    h('h2', { id: 'downstream-title' }, 'Downstream of diverged writes'),
    h(
      'p',
      { class: 'muted' },
      'Writes of this endpoint whose outcome differed between the sides left what they touched diverged; later differences on it are counted here, not as mismatches of their own endpoints.',
    ),
    h('ul', { class: 'downstream' }, items),
  );
}

function signatureRow(d, sig, index, fixes) {
  const open = state.route.samples === sig.signature;
  const row = h('tr', {
    dataset: { testid: 'signature-row', signature: sig.signature, marked: sig.mark ? sig.mark.mark : null },
    class: `${open ? 'open ' : ''}${sig.noise ? 'is-noise ' : ''}${sig.unexpected > 0 ? 'is-unexpected' : ''}`.trim() || null,
  });
  row.append(
    h('td', { class: 'num muted' }, String(index + 1)),
    h(
      'td',
      { dataset: { col: 'differences' }, class: 'differences-cell' },
      h(
        'ul',
        { class: 'diff-list' },
        sig.differences.map((diff) =>
          h('li', null, h('code', { class: 'pattern' }, diff.pattern), ' ', h('span', { class: `kind kind-${diff.kind}` }, diff.kind)),
        ),
      ),
      h('div', { class: 'signature-text muted', title: 'signature' }, sig.signature),
    ),
    h('td', { dataset: { col: 'count' }, class: 'num' }, fmtCount(sig.count)),
    h('td', { dataset: { col: 'expected' }, class: 'num' }, fmtCount(sig.expected)),
    h('td', { dataset: { col: 'unexpected' }, class: `num${sig.unexpected > 0 ? ' bad' : ''}` }, fmtCount(sig.unexpected)),
    h('td', { dataset: { col: 'noise' } }, noiseTag(sig)),
    h('td', { dataset: { col: 'mark' } }, markText(sig.mark)),
    h('td', { dataset: { col: 'seen' }, class: 'seen' }, h('div', null, timeEl(sig.first_seen)), h('div', null, timeEl(sig.last_seen))),
    h('td', { dataset: { col: 'actions' }, class: 'actions' }, signatureActions(d, sig, fixes)),
  );
  return row;
}

function markText(mark) {
  if (!mark) return h('span', { class: 'muted' }, '—');
  return h(
    'span',
    { class: `tag tag-mark mark-${mark.mark}`, title: `marked ${fmtDateTime(mark.at)}` },
    mark.mark === 'expected' && mark.behavior ? `expected: ${mark.behavior}` : mark.mark,
  );
}

function signatureActions(d, sig, fixes) {
  const out = [];
  const samplesButton = h(
    'button',
    {
      type: 'button',
      dataset: { action: 'samples' },
      'aria-pressed': state.route.samples === sig.signature ? 'true' : 'false',
      disabled: sig.samples === 0 ? true : null,
      title: sig.samples === 0 ? 'No samples of this signature are stored' : `Show the ${plural(sig.samples, 'stored sample')}`,
    },
    `Samples (${fmtCount(sig.samples)})`,
  );
  samplesButton.addEventListener('click', () => {
    const route = state.route;
    const samples = route.samples === sig.signature ? null : sig.signature;
    navigate({ ...route, samples });
    if (samples) scrollToSamplesSoon();
  });
  out.push(samplesButton);

  const noiseButton = h('button', { type: 'button', dataset: { action: 'noise' }, title: 'Mark as noise: left out of the mismatches' }, 'Noise');
  noiseButton.addEventListener('click', () => mark(sig, 'noise'));
  out.push(noiseButton);

  const noFixTitle = !d.spec
    ? 'No spec covers this endpoint: an expected difference must be explained by a fix behaviour of its spec'
    : 'The spec has no behaviour whose disposition is fix: add one (and say why) before marking differences expected';
  const expectedButton = h(
    'button',
    {
      type: 'button',
      dataset: { action: 'expected' },
      disabled: fixes.length === 0 ? true : null,
      title: fixes.length === 0 ? noFixTitle : 'Mark as expected: explained by a fix behaviour of the spec',
      'aria-expanded': fixes.length === 0 ? null : state.picking === sig.signature ? 'true' : 'false',
    },
    'Expected…',
  );
  expectedButton.addEventListener('click', () => {
    state.picking = state.picking === sig.signature ? null : sig.signature;
    state.pickingBehavior = null;
    keepingPlace(renderEndpointPage);
    if (state.picking) app.querySelector(`[data-testid="expected-picker"] select`)?.focus();
  });
  out.push(expectedButton);

  const bugButton = h('button', { type: 'button', dataset: { action: 'bug' }, title: 'Mark as a bug of the rewrite' }, 'Bug');
  bugButton.addEventListener('click', () => mark(sig, 'bug'));
  out.push(bugButton);

  if (sig.mark) {
    const undoButton = h('button', { type: 'button', dataset: { action: 'undo' }, title: `Remove the ${sig.mark.mark} mark` }, 'Undo');
    undoButton.addEventListener('click', () => undo(sig));
    out.push(undoButton);
  }

  if (state.picking === sig.signature && fixes.length > 0) {
    const select = h(
      'select',
      { dataset: { testid: 'expected-behavior' }, 'aria-label': 'Fix behaviour that explains this difference' },
      fixes.map((b) => h('option', { value: b.id, title: b.says }, b.id)),
    );
    if (state.pickingBehavior && fixes.some((b) => b.id === state.pickingBehavior)) select.value = state.pickingBehavior;
    else if (sig.mark && sig.mark.behavior && fixes.some((b) => b.id === sig.mark.behavior)) select.value = sig.mark.behavior;
    select.addEventListener('change', () => {
      state.pickingBehavior = select.value;
    });
    const confirm = h('button', { type: 'button', class: 'primary', dataset: { action: 'expected-confirm' } }, 'Mark expected');
    confirm.addEventListener('click', () => mark(sig, 'expected', select.value));
    const cancel = h('button', { type: 'button', dataset: { action: 'expected-cancel' } }, 'Cancel');
    cancel.addEventListener('click', () => {
      state.picking = null;
      keepingPlace(renderEndpointPage);
    });
    out.push(
      h(
        'div',
        { class: 'picker', dataset: { testid: 'expected-picker' }, role: 'group', 'aria-label': 'Mark expected' },
        h('label', null, h('span', { class: 'muted' }, 'Explained by '), select),
        confirm,
        cancel,
      ),
    );
  }
  return h('div', { class: 'action-buttons' }, out);
}

function scrollToSamplesSoon() {
  const tryScroll = (attempt) => {
    const panel = app.querySelector('[data-testid="samples"]');
    if (panel) panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
    else if (attempt < 20) setTimeout(() => tryScroll(attempt + 1), 50);
  };
  setTimeout(() => tryScroll(0), 0);
}

async function mark(sig, kind, behavior) {
  const endpoint = state.detail.summary.endpoint;
  const body = { endpoint, signature: sig.signature, mark: kind };
  if (kind === 'expected') body.behavior = behavior;
  await act(() => postJson('/api/marks', body), `Marked ${kind}${kind === 'expected' ? ` (${behavior})` : ''}.`);
}

async function undo(sig) {
  const endpoint = state.detail.summary.endpoint;
  await act(() => postJson('/api/marks/undo', { endpoint, signature: sig.signature }), 'Mark removed.');
}

async function act(request, fallback) {
  const buttons = [...app.querySelectorAll('[data-testid="signatures"] button')];
  for (const b of buttons) b.classList.add('busy');
  state.status = { kind: 'pending', text: 'Saving…' };
  renderStatusLine();
  try {
    const result = await request();
    const text = result.change ?? fallback;
    state.status = { kind: 'ok', text, title: result.spec_file ? `changed ${result.spec_file}` : 'no spec file changed' };
    state.picking = null;
  } catch (err) {
    state.status = { kind: 'error', text: messageOf(err) };
  } finally {
    for (const b of buttons) b.classList.remove('busy');
  }
  renderStatusLine();
  await load(false);
  // The page re-renders only when the data changed; the status line must show either way.
  renderStatusLine();
  if (state.picking === null && app.querySelector('[data-testid="expected-picker"]')) keepingPlace(renderEndpointPage);
}

// ---------------------------------------------------------------------------------------------
// Samples panel.

function updateSampleButtons() {
  const route = state.route;
  for (const button of app.querySelectorAll('[data-action="samples"]')) {
    const open = button.closest('[data-signature]')?.dataset.signature === route.samples;
    button.setAttribute('aria-pressed', open ? 'true' : 'false');
    button.closest('tr')?.classList.toggle('open', open);
  }
}

function renderSamplesSlot() {
  const slot = app.querySelector('[data-slot="samples"]');
  if (!slot) return;
  const route = state.route;
  updateSampleButtons();
  if (!route.samples) {
    slot.replaceChildren();
    return;
  }
  const samples = state.samples;
  const panel = h('section', {
    class: 'samples-panel',
    dataset: { testid: 'samples', signature: route.samples },
    'aria-labelledby': 'samples-title',
  });
  const close = h('button', { type: 'button', class: 'close', dataset: { action: 'close-samples' } }, 'Close');
  close.addEventListener('click', () => navigate({ ...state.route, samples: null }));
  panel.append(h('div', { class: 'panel-head' }, h('h2', { id: 'samples-title' }, 'Samples'), close), h('p', { class: 'signature-text' }, route.samples));
  if (!samples || samples.loading) panel.append(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  else if (samples.error) panel.append(h('div', { class: 'error', dataset: { testid: 'error' }, role: 'alert' }, samples.error));
  else if (samples.data.samples.length === 0) panel.append(h('p', { class: 'muted' }, 'No samples of this signature are stored.'));
  else samples.data.samples.forEach((sample, i) => panel.append(sampleView(sample, i, samples.data.samples.length)));
  panel.parityState = samples;
  slot.replaceChildren(panel);
}

function sampleView(sample, index, total) {
  const req = sample.request;
  const diffPaths = { primary: [], candidate: [], secondary: [] };
  for (const d of sample.differences) {
    if (d.kind !== 'extra') diffPaths.primary.push(d);
    if (d.kind !== 'missing') diffPaths.candidate.push(d);
  }
  const noisePaths = sample.noise ?? [];
  const sides = [
    ['primary', 'Primary (legacy)', sample.primary, diffPaths.primary, 'diff'],
    ['candidate', 'Candidate (rewrite)', sample.candidate, diffPaths.candidate, 'diff'],
  ];
  if (sample.secondary) sides.push(['secondary', 'Secondary (legacy again)', sample.secondary, noisePaths, 'noise']);
  const other = {
    primary: sample.candidate && 'status' in sample.candidate ? sample.candidate : null,
    candidate: sample.primary,
    secondary: sample.primary,
  };

  return h(
    'article',
    { class: 'sample', dataset: { testid: 'sample', outcome: sample.outcome } },
    h('h3', null, `Sample ${index + 1} of ${total}`, h('span', { class: 'muted' }, ' · ', timeEl(sample.at), ' · ', sample.outcome)),
    h(
      'div',
      { class: 'request', dataset: { testid: 'sample-request' } },
      h('pre', { class: 'request-line' }, `${req.method} ${req.target}`),
      headersBlock(req.headers, []),
      req.body ? bodyBlock(req.body, [], 'diff', null) : null,
    ),
    h(
      'div',
      { class: `sides sides-${sides.length}` },
      sides.map(([key, title, response, paths, cls]) =>
        h(
          'section',
          { class: `side side-${key}`, dataset: { side: key }, 'aria-label': title },
          h('h4', null, title),
          responseView(response, paths, cls, other[key]),
        ),
      ),
    ),
    differencesList(sample.differences, 'Differences (primary vs candidate)', 'differences'),
    noisePaths.length > 0 ? differencesList(noisePaths, 'Noise (primary vs secondary)', 'noise-differences') : null,
  );
}

function responseView(response, paths, cls, other) {
  if (response === null || response === undefined) return h('p', { class: 'muted' }, 'No response.');
  if (!('status' in response)) {
    return h(
      'div',
      { class: 'side-error', dataset: { testid: 'side-error' } },
      h('p', { class: 'bad' }, h('strong', null, 'Error: '), String(response.error)),
      h('p', { class: 'muted' }, `after ${fmtMs(response.duration_ms)} ms`),
    );
  }
  const statusDiff = paths.some((p) => p.path === 'status');
  const headerDiffs = paths.filter((p) => typeof p.path === 'string' && p.path.startsWith('header:')).map((p) => p.path.slice(7).toLowerCase());
  return h(
    'div',
    null,
    h(
      'pre',
      { class: `status-code${statusDiff ? ` ${cls}` : ''}`, dataset: { testid: 'sample-status' } },
      `HTTP ${fmtStatusCode(response.status)}`,
      h('span', { class: 'muted' }, `  ${fmtMs(response.duration_ms)} ms`),
    ),
    headersBlock(response.headers, headerDiffs, cls),
    bodyBlock(
      response.body,
      paths.filter((p) => typeof p.path === 'string' && p.path.startsWith('$')),
      cls,
      other && other.body ? other.body : null,
    ),
  );
}

function headersBlock(headers, highlighted, cls) {
  const lines = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push({ name, value: v });
  }
  if (lines.length === 0) return h('pre', { class: 'headers muted' }, '(no headers)');
  return h(
    'pre',
    { class: 'headers', dataset: { testid: 'headers' } },
    lines.map(({ name, value }) => h('span', { class: `line${highlighted.includes(name.toLowerCase()) ? ` ${cls}` : ''}` }, `${name}: ${value}`)),
  );
}

/**
 * A body as lines. JSON is pretty-printed by a walker that knows each line's concrete JSONPath
 * (as the comparator writes it: `$.data[0].id`, `$['a b']`); a line is highlighted when its path
 * is a differing path or lies under one. Text bodies differing at `$` highlight the lines that
 * differ from the other side's line at the same position.
 */
function bodyBlock(body, paths, cls, otherBody) {
  if (!body) return h('pre', { class: 'body muted' }, '(no body)');
  const note = [];
  if (body.truncated) note.push(h('p', { class: 'muted note' }, `Truncated: ${fmtCount(body.size)} bytes in all.`));
  if (body.text === null) {
    return h(
      'div',
      null,
      h(
        'pre',
        { class: `body binary${paths.length > 0 ? ` ${cls}` : ''}` },
        `Binary body, ${fmtCount(body.size)} bytes${body.base64 ? ' (shown as base64 below)' : ''}`,
      ),
      body.base64 ? h('pre', { class: 'body base64' }, body.base64.length > 4096 ? `${body.base64.slice(0, 4096)}…` : body.base64) : null,
      note,
    );
  }
  if (body.text === '') return h('div', null, h('pre', { class: 'body muted' }, '(empty body)'), note);
  let parsed;
  let isJson = false;
  try {
    parsed = JSON.parse(body.text);
    isJson = true;
  } catch {
    isJson = false;
  }
  const pre = h('pre', { class: `body${isJson ? ' json' : ' text'}`, dataset: { testid: 'body' } });
  if (isJson) {
    const concrete = paths.map((p) => p.path);
    for (const line of prettyJson(parsed)) {
      const hit = concrete.some((p) => isUnder(line.path, p));
      pre.append(h('span', { class: `line${hit ? ` ${cls}` : ''}`, dataset: { path: line.path } }, line.text));
    }
  } else {
    const whole = paths.some((p) => p.path === '$');
    const lines = body.text.split(/\r?\n/);
    const otherLines = otherBody && typeof otherBody.text === 'string' ? otherBody.text.split(/\r?\n/) : null;
    lines.forEach((text, i) => {
      const hit = whole && (otherLines === null || otherLines[i] !== text);
      pre.append(h('span', { class: `line${hit ? ` ${cls}` : ''}` }, text));
    });
  }
  return h('div', null, pre, note);
}

/** `path` is `diffPath` or a descendant of it. */
function isUnder(path, diffPath) {
  if (path === diffPath) return true;
  if (!path.startsWith(diffPath)) return false;
  const next = path[diffPath.length];
  return next === '.' || next === '[';
}

/** The comparator's spelling of a child path (src/compare/json.ts formatConcrete). */
function childPath(parent, key) {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `${parent}.${key}` : `${parent}['${key.replace(/[\\']/g, '\\$&')}']`;
}

/** JSON.stringify(value, null, 2) line by line, each line with the JSONPath of the value it belongs to. */
function prettyJson(value) {
  const lines = [];
  const walk = (v, path, indent, prefix, comma) => {
    const pad = '  '.repeat(indent);
    if (Array.isArray(v)) {
      if (v.length === 0) {
        lines.push({ path, text: `${pad}${prefix}[]${comma}` });
        return;
      }
      lines.push({ path, text: `${pad}${prefix}[` });
      v.forEach((item, i) => walk(item, childPath(path, i), indent + 1, '', i < v.length - 1 ? ',' : ''));
      lines.push({ path, text: `${pad}]${comma}` });
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0) {
        lines.push({ path, text: `${pad}${prefix}{}${comma}` });
        return;
      }
      lines.push({ path, text: `${pad}${prefix}{` });
      keys.forEach((k, i) => walk(v[k], childPath(path, k), indent + 1, `${JSON.stringify(k)}: `, i < keys.length - 1 ? ',' : ''));
      lines.push({ path, text: `${pad}}${comma}` });
    } else {
      lines.push({ path, text: `${pad}${prefix}${JSON.stringify(v)}${comma}` });
    }
  };
  walk(value, '$', 0, '', '');
  return lines;
}

function showValue(v) {
  if (v === undefined) return '(absent)';
  const text = JSON.stringify(v);
  if (text === undefined) return String(v);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function differencesList(diffs, title, testid) {
  if (diffs.length === 0) return h('p', { class: 'muted' }, `${title}: none.`);
  const secondary = testid === 'noise-differences';
  return h(
    'div',
    { class: 'diff-words' },
    h('h4', null, title),
    h(
      'table',
      { class: 'compact', dataset: { testid } },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Path'),
          h('th', { scope: 'col' }, 'Kind'),
          secondary ? null : h('th', { scope: 'col' }, 'Primary'),
          secondary ? null : h('th', { scope: 'col' }, 'Candidate'),
        ),
      ),
      h(
        'tbody',
        null,
        diffs.map((d) =>
          h(
            'tr',
            { dataset: { testid: 'difference', path: d.path, kind: d.kind } },
            h('td', null, h('code', null, d.path)),
            h('td', null, h('span', { class: `kind kind-${d.kind}` }, d.kind)),
            secondary ? null : h('td', null, h('code', { class: 'value' }, showValue(d.primary))),
            secondary ? null : h('td', null, h('code', { class: 'value' }, showValue(d.candidate))),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Field tree, status matrix, behaviours.

/** `$.data[*].amount` -> ['$', 'data', '[*]', 'amount']; `header:x` -> ['headers', 'x']; `status` -> ['status']. */
function patternSegments(pattern) {
  if (pattern.startsWith('header:')) return ['headers', pattern.slice(7)];
  if (!pattern.startsWith('$')) return [pattern];
  const segments = ['$'];
  let i = 1;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '.') {
      const m = /^\.(\*|[A-Za-z_$][A-Za-z0-9_$-]*)/.exec(pattern.slice(i));
      if (!m) {
        segments.push(pattern.slice(i + 1));
        break;
      }
      segments.push(m[1]);
      i += m[0].length;
    } else if (ch === '[') {
      let j = i + 1;
      let quote = null;
      while (j < pattern.length) {
        const c = pattern[j];
        if (quote) {
          if (c === '\\') j += 1;
          else if (c === quote) quote = null;
        } else if (c === "'" || c === '"') quote = c;
        else if (c === ']') break;
        j += 1;
      }
      const inner = pattern.slice(i + 1, j);
      segments.push(/^['"]/.test(inner) ? inner.slice(1, -1).replace(/\\(.)/g, '$1') : `[${inner}]`);
      i = j + 1;
    } else {
      segments.push(pattern.slice(i));
      break;
    }
  }
  return segments;
}

function fieldTreeSection(d) {
  const section = h('section', { 'aria-labelledby': 'fields-title', class: 'fields' }, h('h2', { id: 'fields-title' }, 'Fields that differ'));
  if (d.paths.length === 0) {
    section.append(h('p', { class: 'muted', dataset: { testid: 'field-tree' } }, 'No differing fields in this window.'));
    return section;
  }
  const root = { children: new Map(), entries: [] };
  for (const p of d.paths) {
    let node = root;
    for (const seg of patternSegments(p.pattern)) {
      if (!node.children.has(seg)) node.children.set(seg, { children: new Map(), entries: [] });
      node = node.children.get(seg);
    }
    node.entries.push(p);
  }
  section.append(
    h(
      'p',
      { class: 'legend muted' },
      h('span', { class: 'swatch raw' }),
      ' raw: primary ≠ candidate  ',
      h('span', { class: 'swatch noise' }),
      ' noise: primary ≠ secondary',
    ),
    h('ul', { class: 'tree', dataset: { testid: 'field-tree' }, role: 'tree', 'aria-label': 'Differing fields' }, treeItems(root, 1)),
  );
  return section;
}

function treeItems(node, level) {
  const items = [];
  for (const [segment, child] of node.children) {
    const reportable = child.entries.some((e) => e.reportable);
    const li = h('li', {
      role: 'treeitem',
      'aria-level': level,
      'aria-expanded': child.children.size > 0 ? 'true' : null,
      class: `tree-node${reportable ? ' reportable' : ''}`,
      dataset: { segment },
    });
    const label = h('div', { class: 'tree-label' }, h('code', null, segment));
    li.append(label);
    for (const entry of child.entries) label.append(pathEntry(entry));
    if (child.children.size > 0) li.append(h('ul', { role: 'group' }, treeItems(child, level + 1)));
    items.push(li);
  }
  return items;
}

function pathEntry(p) {
  return h(
    'div',
    {
      class: `path-entry${p.reportable ? ' reportable' : ''}`,
      dataset: { testid: 'field', pattern: p.pattern, kind: p.kind, reportable: p.reportable ? 'true' : 'false' },
      title: `${p.pattern} (${p.kind}): raw ${fmtCount(p.raw)} requests, noise ${fmtCount(p.noise)}${p.reportable ? '; reportable: raw clearly exceeds noise' : '; within noise'}`,
    },
    h('span', { class: `kind kind-${p.kind}` }, p.kind),
    rateBar(p.raw_rate, 'raw'),
    h('span', { class: 'num rate', dataset: { col: 'raw-rate' } }, fmtPct(p.raw_rate)),
    rateBar(p.noise_rate, 'noise'),
    h('span', { class: 'num rate muted', dataset: { col: 'noise-rate' } }, fmtPct(p.noise_rate)),
    p.reportable ? h('strong', { class: 'tag tag-reportable' }, 'reportable') : null,
  );
}

function rateBar(rate, kind) {
  const width = 60;
  const w = Math.max(0, Math.min(1, rate)) * width;
  return svg(
    'svg',
    { class: `bar bar-${kind}`, width, height: 8, viewBox: `0 0 ${width} 8`, 'aria-hidden': 'true' },
    svg('rect', { x: 0, y: 0, width, height: 8, class: 'bar-bg', rx: 2 }),
    svg('rect', { x: 0, y: 0, width: rate > 0 ? Math.max(1, w).toFixed(1) : 0, height: 8, class: 'bar-fg', rx: 2 }),
  );
}

function statusMatrixSection(d) {
  const section = h('section', { 'aria-labelledby': 'matrix-title', class: 'matrix-section' }, h('h2', { id: 'matrix-title' }, 'Status codes'));
  if (d.status_matrix.length === 0) {
    section.append(h('p', { class: 'muted', dataset: { testid: 'status-matrix' } }, 'No answers compared in this window.'));
    return section;
  }
  const legacy = [...new Set(d.status_matrix.map((c) => c.legacy))].sort((a, b) => a - b);
  const rewrite = [...new Set(d.status_matrix.map((c) => c.rewrite))].sort((a, b) => (a === 0) - (b === 0) || a - b);
  const count = new Map(d.status_matrix.map((c) => [`${c.legacy}:${c.rewrite}`, c.count]));
  section.append(
    h(
      'table',
      { class: 'matrix', dataset: { testid: 'status-matrix' } },
      h('caption', { class: 'muted' }, 'Rows: legacy status · columns: rewrite status'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'legacy ↓ rewrite →'),
          rewrite.map((r) => h('th', { scope: 'col', class: 'num' }, fmtStatusCode(r))),
        ),
      ),
      h(
        'tbody',
        null,
        legacy.map((l) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, fmtStatusCode(l)),
            rewrite.map((r) => {
              const n = count.get(`${l}:${r}`);
              const cls = n === undefined ? 'cell-empty' : l === r ? 'same' : 'differs';
              return h('td', { class: `num ${cls}`, dataset: { legacy: l, rewrite: r } }, n === undefined ? '·' : fmtCount(n));
            }),
          ),
        ),
      ),
    ),
  );
  return section;
}

function behaviorsSection(d) {
  const section = h('section', { 'aria-labelledby': 'behaviors-title' }, h('h2', { id: 'behaviors-title' }, 'Behaviours'));
  if (!d.spec) {
    section.append(h('p', { class: 'muted', dataset: { testid: 'behaviors' } }, 'No spec, so no behaviours.'));
    return section;
  }
  if (d.spec.behaviors.length === 0) {
    section.append(h('p', { class: 'muted', dataset: { testid: 'behaviors' } }, 'The spec lists no behaviours yet.'));
    return section;
  }
  section.append(
    h(
      'ol',
      { class: 'behaviors', dataset: { testid: 'behaviors' } },
      d.spec.behaviors.map((b) =>
        h(
          'li',
          { class: 'behavior', dataset: { testid: 'behavior', behavior: b.id, disposition: b.disposition } },
          h(
            'div',
            { class: 'behavior-head' },
            h('code', { class: 'behavior-id' }, b.id),
            ' ',
            h('span', { class: `badge disposition disposition-${b.disposition}` }, b.disposition),
          ),
          h('p', { class: 'says' }, b.says),
          b.notes ? h('p', { class: 'notes' }, b.notes) : null,
          b.evidence.length > 0
            ? h(
                'ul',
                { class: 'evidence', 'aria-label': 'Evidence' },
                b.evidence.map((e) => h('li', null, h('code', null, e))),
              )
            : h('p', { class: 'muted evidence-none' }, 'No evidence cited.'),
        ),
      ),
    ),
  );
  return section;
}

// ---------------------------------------------------------------------------------------------
// Live updates.

let lastRefresh = 0;
let refreshTimer = null;

function scheduleRefresh() {
  if (refreshTimer !== null) return;
  const wait = Math.max(0, lastRefresh + REFRESH_INTERVAL_MS - Date.now());
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    lastRefresh = Date.now();
    if (state.route && (state.overview || state.detail || state.loadError)) {
      load(false);
    }
  }, wait);
}

function setLive(kind) {
  liveEl.dataset.state = kind;
  liveEl.textContent = kind === 'live' ? 'live' : kind === 'reconnecting' ? 'reconnecting…' : 'connecting…';
  liveEl.title = kind === 'live' ? 'Connected: the page updates when the stores or specs change' : 'Lost the connection to the parity server; retrying';
}

let reconnectDelay = 500;
let wasDown = false;

function connectEvents() {
  if (typeof EventSource === 'undefined') {
    setLive('reconnecting');
    return;
  }
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    setLive('live');
    reconnectDelay = 500;
    // Anything may have changed while the connection was down.
    if (wasDown) scheduleRefresh();
    wasDown = false;
  });
  source.addEventListener('error', () => {
    wasDown = true;
    setLive('reconnecting');
    // The browser retries by itself after a dropped connection, but not after an HTTP error
    // answer (a restarting server): then start over, backing off.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      reconnectDelay = Math.min(reconnectDelay * 2, 30_000);
      setTimeout(connectEvents, reconnectDelay);
    }
  });
  source.addEventListener('changed', scheduleRefresh);
}

// ---------------------------------------------------------------------------------------------
// Start.

for (const button of document.querySelectorAll('[data-window]')) {
  button.addEventListener('click', () => {
    if (!state.route) return;
    navigate({ ...state.route, window: button.dataset.window });
  });
}
window.addEventListener('hashchange', onRoute);
onRoute();
connectEvents();
