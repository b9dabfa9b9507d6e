/**
 * Express statuses set where real code sets them: errors thrown in a handler or handed to
 * `next(err)` are answered by the error handler with their status: http-errors
 * (`createError(422)`, `createError.NotFound()`) and project error classes whose base stores the
 * status passed to `super(...)`; and no contradictory outcomes from a helper whose branch the
 * call's literal arguments decide.
 */
import { describe, expect, it } from 'vitest';
import { expressExtractor } from '../../extractors/javascript/express.js';
import { inMemoryProject } from '../../extractors/project.js';

const FILES: Record<string, string> = {
  'package.json': '{"dependencies": {"express": "^4.18.0", "http-errors": "^2.0.0"}}',
  'errors.js': [
    'class HttpError extends Error { constructor(message, status) { super(message); this.status = status; } }',
    "class Conflict extends HttpError { constructor(what) { super(what + ' exists', 409); } }",
    'module.exports = { Conflict };',
  ].join('\n'),
  'server.js': [
    "const express = require('express');",
    "const createError = require('http-errors');",
    "const { Conflict } = require('./errors');",
    'const app = express();',
    "app.get('/n', (req, res) => {",
    '  const n = Number(req.query.n);',
    "  if (n <= 0) return res.status(400).json({ error: 'n must be positive' });",
    '  if (n > 100) throw createError.NotFound();',
    "  if (n === 42) throw new Conflict('answer');",
    '  res.json({ n });',
    '});',
    "app.get('/m', (req, res, next) => {",
    "  if (!req.query.m) return next(createError(422, 'm is required'));",
    '  res.json({ m: req.query.m });',
    '});',
    'app.listen(3000);',
  ].join('\n'),
};

describe('express: statuses of thrown and forwarded errors', () => {
  it('reads http-errors and project error classes, each under its condition', () => {
    const project = inMemoryProject('/app', (file) => FILES[file] ?? '', Object.keys(FILES));
    const endpoints = new Map(
      expressExtractor.extract({ project, warn: () => undefined }).map((e) => [`${e.method} ${e.path}`, e.outcomes.map((o) => [o.status, o.when ?? ''])]),
    );
    expect(endpoints.get('GET /n')).toEqual([
      [400, 'n <= 0'],
      [404, 'n > 100'],
      [409, 'n === 42'],
      [200, ''],
    ]);
    expect(endpoints.get('GET /m')).toEqual([
      [422, '!req.query.m'],
      [200, ''],
    ]);
  });

  it('reads a helper called with literal arguments for the branch those arguments take: no 200 under the 400 condition', () => {
    const files: Record<string, string> = {
      'package.json': '{"dependencies": {"express": "^4.18.0"}}',
      'server.js': [
        "const express = require('express');",
        'const app = express();',
        'function reply(res, ok, body) {',
        "  if (!ok) return res.status(400).json({ error: 'bad' });",
        '  return res.json(body);',
        '}',
        "app.get('/n', (req, res) => {",
        '  const n = Number(req.query.n);',
        '  if (n <= 0) return reply(res, false, null);',
        '  return reply(res, true, { n });',
        '});',
      ].join('\n'),
    };
    const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
    const [endpoint] = expressExtractor.extract({ project, warn: () => undefined });
    expect(endpoint!.outcomes.map((o) => [o.status, o.when ?? ''])).toEqual([
      [400, 'n <= 0'],
      [200, ''],
    ]);
  });
});
