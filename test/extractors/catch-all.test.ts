/**
 * Catch-all path parameters, which span one or more segments (Flask `<path:p>`, Express `*` and
 * `(.*)`, Rails `*glob`, Go `{p...}` and `*p`): extracted as `{name*}`, validated by the spec
 * schema, matched by record, shadow and spec tests (src/record/match.ts), and exported to OpenAPI
 * with what OpenAPI cannot say about them.
 */
import { describe, expect, it } from 'vitest';
import { expressExtractor } from '../../extractors/javascript/express.js';
import { netHttpExtractor } from '../../extractors/go/index.js';
import { flaskExtractor } from '../../extractors/python/flask.js';
import { railsExtractor } from '../../extractors/ruby/rails.js';
import { inMemoryProject } from '../../extractors/project.js';
import type { Extractor } from '../../extractors/types.js';
import { matchEndpoint } from '../../src/record/match.js';
import { exportOpenApi, CATCH_ALL_NOTE } from '../../src/spec/openapi.js';
import { endpointProblem, parseEndpoint } from '../../src/spec/schema.js';
import { spec } from '../record/fixtures.js';

function routes(extractor: Extractor, files: Record<string, string>): string[] {
  const project = inMemoryProject('/app', (file) => files[file]!, Object.keys(files));
  return extractor
    .extract({ project, warn: () => undefined, progress: () => undefined })
    .map((e) => `${e.method} ${e.path}`)
    .sort();
}

describe('catch-all parameters in extraction', () => {
  it('Flask <path:p>', () => {
    const app = [
      'from flask import Flask',
      'app = Flask(__name__)',
      "@app.route('/anything/<path:rest>', methods=['POST'])",
      'def anything(rest):',
      "    return 'ok'",
    ];
    expect(routes(flaskExtractor, { 'requirements.txt': 'flask\n', 'app.py': app.join('\n') })).toEqual(['POST /anything/{rest*}']);
  });

  it('Express *, (.*) and :name(*)', () => {
    const app = [
      "const express = require('express');",
      'const app = express();',
      "app.get('/static/*', (req, res) => res.send('x'));",
      "app.post('/proxy/:rest(*)', (req, res) => res.send('x'));",
      "app.get('/files/:dir/(.*)', (req, res) => res.send('x'));",
      'app.listen(3000);',
    ];
    expect(routes(expressExtractor, { 'package.json': '{"dependencies":{"express":"4"}}', 'app.js': app.join('\n') })).toEqual([
      'GET /files/{dir}/{wildcard*}',
      'GET /static/{wildcard*}',
      'POST /proxy/{rest*}',
    ]);
  });

  it('Rails *glob', () => {
    const files = {
      Gemfile: "gem 'rails'\n",
      'config/routes.rb': ['Rails.application.routes.draw do', "  get 'pages/*slug', to: 'pages#show'", 'end'].join('\n'),
      'app/controllers/pages_controller.rb': ['class PagesController < ApplicationController', '  def show', '    head :ok', '  end', 'end'].join('\n'),
    };
    expect(routes(railsExtractor, files)).toEqual(['GET /pages/{slug*}']);
  });

  it('Go net/http {p...}', () => {
    const main = [
      'package main',
      'import "net/http"',
      'func serve(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }',
      'func main() {',
      '  mux := http.NewServeMux()',
      '  mux.HandleFunc("GET /files/{path...}", serve)',
      '  http.ListenAndServe(":8080", mux)',
      '}',
    ];
    expect(routes(netHttpExtractor, { 'go.mod': 'module example.com/app\n', 'main.go': main.join('\n') })).toEqual(['GET /files/{path*}']);
  });
});

describe('catch-all parameters in specs', () => {
  it('are a whole segment, at most one per path, and another route than a one-segment parameter', () => {
    expect(endpointProblem('GET /files/{path*}')).toBeUndefined();
    expect(endpointProblem('GET /files/{a*}/{b*}')).toBe('a path has at most one catch-all parameter, got {a*} and {b*}');
    expect(endpointProblem('GET /files/x{path*}')).toBe('a catch-all parameter is a whole path segment ("/files/{path*}"), got "x{path*}"');
    expect(parseEndpoint('GET /files/{path*}')).toMatchObject({ params: ['path'], routeKey: 'GET /files/{*}' });
    expect(parseEndpoint('GET /files/{name}').routeKey).toBe('GET /files/{}');
  });

  it('match one or more segments, after a one-segment parameter and a literal', () => {
    const specs = [
      spec('id: files.all\nendpoint: GET /files/{path*}\n', 'all.yaml'),
      spec('id: files.one\nendpoint: GET /files/{name}\n', 'one.yaml'),
      spec('id: files.readme\nendpoint: GET /files/README\n', 'readme.yaml'),
      spec('id: files.edit\nendpoint: GET /repos/{repo}/{path*}/edit\n', 'edit.yaml'),
    ];
    const match = (target: string) => {
      const found = matchEndpoint(specs, 'GET', target);
      return found && [found.spec.spec.id, found.params];
    };
    expect(match('/files/README')).toEqual(['files.readme', {}]);
    expect(match('/files/a.txt')).toEqual(['files.one', { name: 'a.txt' }]);
    expect(match('/files/docs/guide/a%20b.md?raw=1')).toEqual(['files.all', { path: 'docs/guide/a b.md' }]);
    expect(match('/files')).toBeUndefined();
    expect(match('/repos/parity/src/record/match.ts/edit')).toEqual(['files.edit', { repo: 'parity', path: 'src/record/match.ts' }]);
    expect(match('/repos/parity/edit')).toBeUndefined();
  });

  it('are exported to OpenAPI as a one-segment parameter that says what OpenAPI cannot express', () => {
    const doc = exportOpenApi([spec('id: files.all\nendpoint: GET /files/{path*}\nbehaviors: []\n', 'all.yaml')], { title: 't', version: '1' });
    expect(Object.keys(doc.paths)).toEqual(['/files/{path}']);
    expect(doc.paths['/files/{path}']!.get!.parameters).toEqual([
      { name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: CATCH_ALL_NOTE, 'x-parity-catch-all': true },
    ]);
  });
});
