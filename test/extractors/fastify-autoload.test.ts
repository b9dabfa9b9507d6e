/**
 * Fastify apps as fastify-cli and @fastify/autoload build them: the entry plugin `fastify start
 * app.js` registers; plugin files loaded from directories with the prefix their folder,
 * `autoPrefix` or `prefixOverride` gives; index files; autohooks (cascading or not); `_id`
 * folders with routeParams; a '/' route under a prefix as both `/prefix` and `/prefix/`; auth that
 * only reads a token as optional; statuses from error classes whose base takes the status.
 */
import { describe, expect, it } from 'vitest';
import { fastifyExtractor } from '../../extractors/javascript/fastify.js';
import { inMemoryProject } from '../../extractors/project.js';
import { authClassOf } from '../../extractors/score.js';
import type { EndpointFacts, ExtractionWarning } from '../../extractors/types.js';

function extract(files: Record<string, string>): { endpoints: EndpointFacts[]; warnings: ExtractionWarning[] } {
  const warnings: ExtractionWarning[] = [];
  const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
  return { endpoints: fastifyExtractor.extract({ project, warn: (w) => warnings.push(w) }), warnings };
}

const PACKAGE = JSON.stringify({ scripts: { start: 'fastify start -l info app.js' }, dependencies: { fastify: '^5.0.0', '@fastify/autoload': '^6.0.0' } });

const APP = `
const path = require('node:path')
const AutoLoad = require('@fastify/autoload')
module.exports = async function (fastify, opts) {
  fastify.get('/healthz', async () => ({ ok: true }))
  fastify.register(AutoLoad, { dir: path.join(__dirname, 'plugins'), options: Object.assign({}, opts) })
  fastify.register(AutoLoad, {
    dir: path.join(__dirname, 'routes'),
    autoHooks: true,
    cascadeHooks: CASCADE,
    routeParams: true,
    options: Object.assign({ prefix: '/api' }, opts)
  })
}
`;

const AUTH_PLUGIN = `
const fp = require('fastify-plugin')
class HttpError extends Error { constructor (message, statusCode) { super(message); this.statusCode = statusCode } }
class Unauthorized extends HttpError { constructor () { super('no token', 401) } }
module.exports = fp(async function (fastify) {
  fastify.decorate('authenticate', async function (request) {
    try { await request.jwtVerify() } catch (err) { throw new Unauthorized() }
  })
  fastify.decorate('readUser', async function (request) {
    if (!request.headers.authorization) return
    try { await request.jwtVerify() } catch (err) { request.user = null }
  })
})
`;

function app(cascade: boolean): Record<string, string> {
  return {
    'package.json': PACKAGE,
    'app.js': APP.replace('CASCADE', String(cascade)),
    'plugins/auth.js': AUTH_PLUGIN,
    'lib/errors.js': `class HttpError extends Error { constructor (message, statusCode) { super(message); this.statusCode = statusCode } }
class NotFoundError extends HttpError { constructor (what) { super(what + ' not found', 404) } }
class GoneError extends NotFoundError {}
module.exports = { NotFoundError, GoneError }`,
    'routes/root.js': `module.exports = async function (fastify) { fastify.get('/', async () => ({ hello: 'world' })) }`,
    'routes/articles/index.js': `const { NotFoundError } = require('../../lib/errors')
module.exports = async function (fastify) {
  fastify.get('/', { onRequest: [fastify.readUser] }, async () => [])
  fastify.get('/:slug', { onRequest: [fastify.readUser] }, async (request) => { const a = null; if (!a) throw new NotFoundError('Article'); return a })
}`,
    // Ignored: the folder has an index file.
    'routes/articles/drafts.js': `module.exports = async function (fastify) { fastify.get('/drafts', async () => []) }`,
    'routes/articles/_slug/comments.js': `module.exports = async function (fastify) { fastify.post('/', { onRequest: [fastify.authenticate] }, async (req, reply) => reply.code(201).send({})) }`,
    'routes/admin/autohooks.js': `module.exports = async function (fastify) { fastify.addHook('onRequest', fastify.authenticate) }`,
    'routes/admin/stats.js': `module.exports = async function (fastify) { fastify.get('/stats', async () => ({})) }`,
    'routes/admin/users/list.js': `module.exports = async function (fastify) { fastify.get('/', async () => []) }`,
    'routes/admin/tags.js': `module.exports = async function (fastify) { fastify.get('/', async () => []) }\nmodule.exports.autoPrefix = '/tags'`,
    'routes/admin/legacy.js': `module.exports = async function (fastify) { fastify.get('/old', async () => ({})) }\nmodule.exports.prefixOverride = '/v0'`,
    'routes/admin/off.js': `module.exports = async function (fastify) { fastify.get('/off', async () => ({})) }\nmodule.exports.autoload = false`,
    'routes/gone.js': `const { GoneError } = require('../lib/errors')
module.exports = async function (fastify) { fastify.get('/gone', async () => { throw new GoneError('Page') }) }`,
  };
}

describe('fastify-cli and @fastify/autoload', () => {
  it('finds the routes autoload loads, under the prefix each file gets', () => {
    const { endpoints, warnings } = extract(app(true));
    expect(warnings).toEqual([]);
    expect(endpoints.map((e) => `${e.method} ${e.path}`).sort()).toEqual(
      [
        'GET /api',
        'GET /api/',
        'GET /api/admin/stats',
        'GET /api/admin/users',
        'GET /api/admin/users/',
        'GET /api/articles',
        'GET /api/articles/',
        'GET /api/articles/{slug}',
        'GET /api/gone',
        // autoPrefix replaces the folder's prefix, under autoload's own
        'GET /api/tags',
        'GET /api/tags/',
        'GET /healthz',
        'GET /v0/old',
        // a file's name is not a segment: only its folders are
        'POST /api/articles/{slug}',
        'POST /api/articles/{slug}/',
      ].sort(),
    );
  });

  it('applies autohooks to their folder, and below it only when they cascade', () => {
    const auth = (cascade: boolean) => new Map(extract(app(cascade)).endpoints.map((e) => [`${e.method} ${e.path}`, authClassOf(e)]));
    const cascading = auth(true);
    expect(cascading.get('GET /api/admin/stats')).toBe('required');
    expect(cascading.get('GET /api/admin/users')).toBe('required');
    expect(cascading.get('GET /api/articles/{slug}')).toBe('optional');
    expect(cascading.get('POST /api/articles/{slug}')).toBe('required');
    expect(cascading.get('GET /healthz')).toBe('none');
    const flat = auth(false);
    expect(flat.get('GET /api/admin/stats')).toBe('required');
    expect(flat.get('GET /api/admin/users')).toBe('none');
  });

  it('reads statuses from error classes whose base class takes the status, through subclasses without a constructor', () => {
    const byRoute = new Map(extract(app(true)).endpoints.map((e) => [`${e.method} ${e.path}`, e.outcomes.map((o) => o.status).sort()]));
    expect(byRoute.get('GET /api/articles/{slug}')).toEqual([200, 404]);
    expect(byRoute.get('GET /api/gone')).toEqual([404]);
    expect(byRoute.get('POST /api/articles/{slug}')).toEqual([201, 401]);
  });

  it('warns when the directory cannot be read, and registers no route from it', () => {
    const files = app(true);
    files['app.js'] = files['app.js']!.replace("path.join(__dirname, 'routes')", 'process.env.ROUTES_DIR');
    const { endpoints, warnings } = extract(files);
    expect(endpoints.map((e) => e.path)).toEqual(['/healthz']);
    expect(warnings.map((w) => `${w.file}:${w.line}: ${w.message}`)).toEqual([
      'app.js:8: cannot resolve the @fastify/autoload dir statically: process.env.ROUTES_DIR; the routes it loads are left out',
    ]);
  });
});
