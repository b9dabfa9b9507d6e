/**
 * `parity init`: write a commented parity.yaml (and the specs directory) into a directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ParityError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { displayPath } from '../paths.js';
import { parseConfigText } from './load.js';
import { CONFIG_FILE_NAME, httpUrlProblem } from './schema.js';

export interface InitOptions {
  /** Directory the flags' relative paths are relative to. */
  cwd: string;
  /** Where to write parity.yaml (default: cwd). */
  dir?: string;
  legacySource?: string;
  legacyUrl?: string;
  rewriteUrl?: string;
  specs?: string;
  store?: string;
  reports?: string;
  /** Overwrite an existing parity.yaml. */
  force?: boolean;
}

export interface InitResult {
  configPath: string;
  /** Files and directories this call created, absolute. */
  created: string[];
  /** True when an existing parity.yaml was replaced (with --force). */
  replaced: boolean;
}

export function initWorkspace(options: InitOptions): InitResult {
  const dir = path.resolve(options.cwd, options.dir ?? '.');
  const configPath = path.join(dir, CONFIG_FILE_NAME);
  const exists = fs.existsSync(configPath);
  if (exists && !options.force) {
    throw new ParityError('FILE_EXISTS', `${displayPath(configPath, options.cwd)} already exists`, { hint: 'use --force to overwrite it' });
  }
  // Line breaks first: the URL parser would silently strip them.
  const written = {
    '--legacy-source': options.legacySource,
    '--legacy-url': options.legacyUrl,
    '--rewrite-url': options.rewriteUrl,
    '--specs': options.specs,
    '--store': options.store,
    '--reports': options.reports,
  };
  for (const [flag, value] of Object.entries(written)) {
    if (value !== undefined && /[\r\n]/.test(value)) throw new ParityError('USAGE', `${flag}: must be a single line`);
  }
  for (const [flag, value] of [
    ['--legacy-url', options.legacyUrl],
    ['--rewrite-url', options.rewriteUrl],
  ] as const) {
    const problem = value === undefined ? undefined : httpUrlProblem(value);
    if (problem) throw new ParityError('USAGE', `${flag}: ${problem}`);
  }

  // Paths are stored relative to parity.yaml so the workspace can move or be cloned.
  const relative = (p: string) => {
    const r = path.relative(dir, path.resolve(options.cwd, p));
    return r === '' ? '.' : r.split(path.sep).join('/');
  };
  const specs = relative(options.specs ?? path.join(dir, 'specs'));
  const store = relative(options.store ?? path.join(dir, '.parity', 'parity.db'));
  const reports = relative(options.reports ?? path.join(dir, 'reports'));
  const text = renderConfig({
    legacySource: options.legacySource === undefined ? undefined : relative(options.legacySource),
    legacyUrl: options.legacyUrl,
    rewriteUrl: options.rewriteUrl,
    specs,
    store,
    reports,
  });

  // What we write must load: a template bug must fail here, before an existing file is replaced.
  parseConfigText(displayPath(configPath, options.cwd), text);
  const created: string[] = [];
  writeFileAtomic(configPath, text);
  if (!exists) created.push(configPath);

  const specsDir = path.resolve(dir, specs);
  if (!fs.existsSync(specsDir)) {
    fs.mkdirSync(specsDir, { recursive: true });
    created.push(specsDir);
  }
  const storeDir = path.dirname(path.resolve(dir, store));
  if (path.basename(storeDir) === '.parity' && !fs.existsSync(storeDir)) {
    fs.mkdirSync(storeDir, { recursive: true });
    // The store holds recorded traffic: keep it out of version control by default.
    fs.writeFileSync(path.join(storeDir, '.gitignore'), '*\n');
    created.push(storeDir);
  }
  return { configPath, created, replaced: exists };
}

interface ConfigValues {
  legacySource: string | undefined;
  legacyUrl: string | undefined;
  rewriteUrl: string | undefined;
  specs: string;
  store: string;
  reports: string;
}

function scalar(value: string): string {
  return stringify(value).trimEnd();
}

function optionalLine(key: string, value: string | undefined, placeholder: string): string {
  return value === undefined ? `  # ${key}: ${placeholder}` : `  ${key}: ${scalar(value)}`;
}

function renderConfig(v: ConfigValues): string {
  return `# parity workspace. Paths are relative to this file; command-line flags override these values.
# Every key is described in the "Configuration" section of parity's README.

legacy:
  # Directory of the legacy service's source code, read by \`parity extract\`.
${optionalLine('source', v.legacySource, './legacy')}
  # Base URL of a running legacy instance, used by \`parity test\`, \`record\` and \`shadow\`.
${optionalLine('url', v.legacyUrl, 'http://127.0.0.1:3000')}

rewrite:
  # Base URL of a running rewrite instance.
${optionalLine('url', v.rewriteUrl, 'http://127.0.0.1:4000')}

# One YAML file per endpoint. See specs/README.md in the parity package for the format.
specs: ${scalar(v.specs)}

# SQLite file for spec-test runs, shadow comparisons and caches.
store: ${scalar(v.store)}

# Where \`parity report\` writes readiness reports.
reports: ${scalar(v.reports)}

# Named credentials for spec examples (\`auth: <name>\` on a request). \${NAME} is read from the
# environment when a request is sent, so secrets stay out of this file.
auth:
  # default:
  #   headers:
  #     Authorization: Bearer \${LEGACY_API_KEY}

# A JavaScript module whose requestVariables(request) returns values for {{name}} in request
# headers, computed per request (an HMAC signature over the body, a fresh token).
# hooks: ./parity-hooks.mjs

# \`parity test\`: examples run at once (steps of one example always run in order), and the
# per-request timeout.
test:
  concurrency: 8
  timeout_ms: 10000

shadow:
  # Where the shadow proxy listens. It forwards to legacy.url and mirrors to rewrite.url
  # unless primary / candidate / secondary are set here.
  host: 127.0.0.1
  port: 8480
  mode: inline           # inline | detached
  # secondary: http://127.0.0.1:3001   # a second legacy instance, to separate noise from differences
  sample_percent: 100
  # sample_by: header:X-User-Id   # or cookie:session: the same user is always in or always out of the sample
  methods: [GET, HEAD, OPTIONS]   # other methods are mirrored only where an endpoint allows it
  # Writes reach the candidate's data: allow them per endpoint, or as globs on "METHOD /path".
  allow_writes: []   # such as ["POST /invoices", "PATCH /customers/{customer_id}"]
  # Globs on "METHOD /path" ("GET /customers/**", "* /internal/**", "/health"); exclude wins.
  include: []        # empty: every request
  exclude: []
  queue_limit: 10000
  timeout_ms: 5000
  # timeouts: {candidate: 5000, secondary: 5000}   # per target; default timeout_ms
  max_body_bytes: 1048576
  # Per-target header rewrites, each target its own credentials. \${NAME} is read from the
  # environment when parity shadow starts; an unset variable stops it. The primary always gets
  # the client's headers.
  # headers:
  #   candidate:
  #     set: {Authorization: "Bearer \${CANDIDATE_TOKEN}"}
  #     remove: [Cookie]
  #   secondary:
  #     set: {Authorization: "Bearer \${SECONDARY_TOKEN}"}
  drain_seconds: 10          # on SIGTERM: queued comparisons get this long, the rest are dropped (counted)
  log_interval_seconds: 60   # a JSON line of counters on standard error
  # compare:                  # rules for every endpoint, under each spec's own compare section
  #   ignore: ["$.served_at"]
  # Authorization, Cookie, Set-Cookie, X-Api-Key and access_token are always redacted before
  # anything is stored; name more here.
  redact:
    headers: []
    json_paths: []     # such as "$.card.number"
    query: []
`;
}
