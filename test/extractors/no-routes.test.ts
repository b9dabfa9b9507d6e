/**
 * A framework the codebase uses, where no route of it is found, never passes in silence: one
 * warning per framework, at the line where its app is made (or the manifest naming it), saying
 * what kind of registration is not followed.
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

function extract(files: Record<string, string>) {
  return extractFiles(files);
}

const NOT_FOLLOWED = /is used here, but no route of it was found: routes registered in a way parity does not follow are left out/;

describe('a detected framework without routes', () => {
  const cases: { framework: string; files: Record<string, string>; at: string }[] = [
    {
      framework: 'express',
      files: {
        'package.json': '{"dependencies": {"express": "^4.18.0"}}',
        'server.js': [
          "const express = require('express');",
          "const routes = require('./routes.json');",
          'const app = express();',
          'for (const r of routes) app[r.method](r.path, (req, res) => res.json(r.body));',
          'app.listen(3000);',
        ].join('\n'),
      },
      at: 'server.js:3',
    },
    {
      framework: 'flask',
      files: {
        'requirements.txt': 'flask==3.0.0\n',
        'app.py': [
          'import json',
          'from flask import Flask, jsonify',
          '',
          'app = Flask(__name__)',
          'for rule in json.load(open("rules.json")):',
          '    app.add_url_rule(rule["path"], rule["name"], lambda: jsonify(ok=True))',
        ].join('\n'),
      },
      at: 'app.py:4',
    },
    {
      framework: 'sinatra',
      files: {
        Gemfile: "source 'https://rubygems.org'\ngem 'sinatra'\n",
        'app.rb': [
          "require 'sinatra/base'",
          "require 'yaml'",
          '',
          'class App < Sinatra::Base',
          "  YAML.load_file('routes.yml').each { |r| send(r['verb'], r['path']) { 'ok' } }",
          'end',
        ].join('\n'),
      },
      at: 'app.rb:4',
    },
    {
      framework: 'net/http',
      files: {
        'go.mod': 'module example.com/svc\n\ngo 1.21\n',
        'main.go': [
          'package main',
          '',
          'import (',
          '\t"net/http"',
          '\t"os"',
          ')',
          '',
          'func main() {',
          '\tmux := http.NewServeMux()',
          '\tmux.HandleFunc(os.Getenv("HEALTH_PATH"), func(w http.ResponseWriter, r *http.Request) {})',
          '\thttp.ListenAndServe(":8080", mux)',
          '}',
        ].join('\n'),
      },
      at: 'main.go:9',
    },
  ];

  for (const { framework, files, at } of cases) {
    it(`${framework}: warns at the line that makes the app`, () => {
      const result = extract(files);
      expect(result.frameworks).toContain(framework);
      expect(result.endpoints.filter((e) => e.framework === framework)).toEqual([]);
      const warning = result.warnings.find((w) => w.message.startsWith(`${framework} is used here`));
      expect(warning, JSON.stringify(result.warnings)).toBeDefined();
      expect(`${warning!.file}:${warning!.line}`).toBe(at);
      expect(warning!.message).toMatch(NOT_FOLLOWED);
    });
  }

  it('points at the manifest when no app is made in the code it read, and says nothing when routes are found', () => {
    const manifestOnly = extract({
      'package.json': '{\n  "name": "svc",\n  "dependencies": {\n    "koa": "^2.15.0"\n  }\n}',
      'index.js': 'module.exports = {};',
    });
    const warning = manifestOnly.warnings.find((w) => w.message.startsWith('koa is used here'));
    expect(warning && `${warning.file}:${warning.line}`).toBe('package.json:4');

    const withRoutes = extract({
      'package.json': '{"dependencies": {"express": "^4.18.0"}}',
      'server.js': "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.json({ ok: true }));\n",
    });
    expect(withRoutes.endpoints.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /health']);
    expect(withRoutes.warnings).toEqual([]);
  });
});
