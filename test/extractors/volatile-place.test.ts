/**
 * Volatile values where they are: a random value set as a response header (`res.set('ETag',
 * randomUUID())`, `reply.header(...)`) does not make the body volatile, and a seeded generator is
 * not a random one; a clock value in the body is.
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

function volatileOf(files: Record<string, string>): Record<string, string[]> {
  const result = extractFiles(files);
  return Object.fromEntries(result.endpoints.map((e) => [`${e.method} ${e.path}`, e.volatile.map((v) => v.field)]));
}

describe('volatile values in the right place', () => {
  it('express and fastify: a header is not the body; a seeded generator is not random', () => {
    expect(
      volatileOf({
        'package.json': '{"dependencies": {"express": "^4.18.0"}}',
        'server.js': [
          "const express = require('express');",
          "const crypto = require('crypto');",
          "const seedrandom = require('seedrandom');",
          'const app = express();',
          "app.get('/doc', (req, res) => { res.set('ETag', crypto.randomUUID()); res.setHeader('X-Request-Id', `req-${crypto.randomUUID()}`); res.json({ title: 'doc' }); });",
          "app.get('/dice', (req, res) => { const rng = seedrandom('fixed'); res.json({ roll: Math.floor(rng() * 6) + 1, at: new Date().toISOString() }); });",
        ].join('\n'),
      }),
    ).toEqual({ 'GET /doc': [], 'GET /dice': ['$.at'] });
    expect(
      volatileOf({
        'package.json': '{"dependencies": {"fastify": "^5.0.0"}}',
        'app.js': [
          "const fastify = require('fastify')();",
          "const { randomUUID } = require('crypto');",
          "fastify.get('/doc', async (request, reply) => { reply.header('x-trace', randomUUID()); return { title: 'doc' }; });",
        ].join('\n'),
      }),
    ).toEqual({ 'GET /doc': [] });
  });
});
