/**
 * Methods a framework routes but a spec cannot describe (TRACE, CONNECT, WebDAV): warned about,
 * never dropped in silence and never widened to "any method".
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

function extract(files: Record<string, string>) {
  const result = extractFiles(files);
  return { routes: result.endpoints.map((e) => `${e.method} ${e.path}`), warnings: result.warnings.map((w) => `${w.file}:${w.line}: ${w.message}`) };
}

const LEFT_OUT = 'route is not one a spec can describe (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS); it is left out';

describe('methods a spec cannot describe', () => {
  it('net/http: a TRACE pattern is reported, not read as any method', () => {
    const { routes, warnings } = extract({
      'go.mod': 'module example.com/x\n\ngo 1.22\n',
      'main.go': [
        'package main',
        '',
        'import "net/http"',
        '',
        'func main() {',
        '\tmux := http.NewServeMux()',
        '\tmux.HandleFunc("TRACE /debug", func(w http.ResponseWriter, r *http.Request) {})',
        '\tmux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })',
        '\thttp.ListenAndServe(":8080", mux)',
        '}',
      ].join('\n'),
    });
    expect(routes).toEqual(['GET /health']);
    expect(warnings).toEqual([`main.go:7: a TRACE ${LEFT_OUT}`]);
  });

  it('fastify: a route() with a TRACE method is reported by name', () => {
    const { routes, warnings } = extract({
      'package.json': '{"dependencies": {"fastify": "^5.0.0"}}',
      'app.js': [
        "const fastify = require('fastify')();",
        "fastify.route({ method: ['GET', 'TRACE'], url: '/debug', handler: async () => ({}) });",
        'fastify.listen({ port: 3000 });',
      ].join('\n'),
    });
    expect(routes).toEqual(['GET /debug']);
    expect(warnings).toEqual([`app.js:2: a TRACE ${LEFT_OUT}`]);
  });

  it('koa: router.trace is reported', () => {
    const { routes, warnings } = extract({
      'package.json': '{"dependencies": {"koa": "^2.15.0", "@koa/router": "^12.0.0"}}',
      'app.js': [
        "const Koa = require('koa');",
        "const Router = require('@koa/router');",
        'const router = new Router();',
        "router.trace('/debug', (ctx) => { ctx.body = 'x'; });",
        "router.get('/ok', (ctx) => { ctx.body = 'ok'; });",
        'new Koa().use(router.routes());',
      ].join('\n'),
    });
    expect(routes).toEqual(['GET /ok']);
    expect(warnings).toEqual([`app.js:4: a TRACE ${LEFT_OUT}`]);
  });
});
