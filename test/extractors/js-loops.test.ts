/**
 * JavaScript routes registered in loops over literal lists (`for...of`, `forEach` over a const
 * array) in Express, Koa and Fastify, and the methods Express routes that a spec cannot describe
 * (TRACE, WebDAV): warned about, never dropped in silence.
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

function extract(files: Record<string, string>) {
  const result = extractFiles(files);
  return {
    routes: result.endpoints.map((e) => `${e.framework} ${e.method} ${e.path}`).sort(),
    warnings: result.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`),
  };
}

describe('routes registered in loops over literal lists', () => {
  it('express: for...of over a literal, forEach over a const, with constants around them', () => {
    const { routes, warnings } = extract({
      'package.json': '{"dependencies": {"express": "^4.18.0"}}',
      'server.js': [
        "const express = require('express');",
        'const app = express();',
        "const RESOURCES = ['users', 'teams'];",
        "const PREFIX = '/api';",
        "for (const name of ['alpha', 'beta']) app.get(`/status/${name}`, (req, res) => res.json({ ok: true }));",
        'RESOURCES.forEach((resource) => app.get(PREFIX + "/" + resource, (req, res) => res.json([])));',
        "app.trace('/debug', (req, res) => res.end());",
        'app.listen(3000);',
      ].join('\n'),
    });
    expect(routes).toEqual(['express GET /api/teams', 'express GET /api/users', 'express GET /status/alpha', 'express GET /status/beta']);
    expect(warnings).toEqual(['server.js:7: a TRACE route is not one a spec can describe (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS); it is left out']);
  });

  it('koa and fastify: the same loops', () => {
    const koa = extract({
      'package.json': '{"dependencies": {"koa": "^2.15.0", "@koa/router": "^12.0.0"}}',
      'app.js': [
        "const Koa = require('koa');",
        "const Router = require('@koa/router');",
        'const app = new Koa();',
        'const router = new Router();',
        "['a', 'b'].forEach((x) => router.get(`/items/${x}`, (ctx) => { ctx.body = x; }));",
        'app.use(router.routes());',
      ].join('\n'),
    });
    expect(koa.routes).toEqual(['koa GET /items/a', 'koa GET /items/b']);
    const fastify = extract({
      'package.json': '{"dependencies": {"fastify": "^5.0.0"}}',
      'app.js': [
        "const fastify = require('fastify')();",
        "for (const kind of ['cats', 'dogs']) fastify.get('/' + kind, async () => []);",
        'fastify.listen({ port: 3000 });',
      ].join('\n'),
    });
    expect(fastify.routes).toEqual(['fastify GET /cats', 'fastify GET /dogs']);
  });

  it('still warns when the list is not literal', () => {
    const { routes, warnings } = extract({
      'package.json': '{"dependencies": {"express": "^4.18.0"}}',
      'server.js': [
        "const express = require('express');",
        'const app = express();',
        "for (const name of require('./names.json')) app.get(`/status/${name}`, (req, res) => res.json({}));",
        "app.get('/health', (req, res) => res.send('ok'));",
      ].join('\n'),
    });
    expect(routes).toEqual(['express GET /health']);
    expect(warnings).toEqual(['server.js:3: cannot resolve route path statically: `/status/${name}`']);
  });
});
