/**
 * Messages built from pieces read as the code means them (Python f-strings, `%` and `.format`,
 * Ruby interpolation, Go `fmt.Sprintf` and `+`: the unknown parts as `<expr>`), Rails
 * `rescue_from` handlers giving the status of what an action raises, and http-errors'
 * `createError.NotFound()` in Koa.
 */
import { describe, expect, it } from 'vitest';
import { extractFiles } from '../helpers/extract.js';

const FILES: Record<string, string> = {
  'requirements.txt': 'flask\n',
  'app.py': `from flask import Flask, jsonify
app = Flask(__name__)

@app.route('/refund/<int:pid>', methods=['POST'])
def refund(pid):
    amount = compute(pid)
    if amount > 3:
        return jsonify(message=f"Refund amount ({amount}) is greater than {pid}"), 400
    if amount < 0:
        return jsonify(message="Refund %s is negative" % amount), 422
    if amount == 1:
        return jsonify(message="Refund {} is one".format(amount)), 409
    return jsonify(ok=True)
`,
  Gemfile: "gem 'rails'\n",
  'config/routes.rb': 'Rails.application.routes.draw do\n  resources :widgets, only: [:show]\nend\n',
  'app/controllers/application_controller.rb': `class ApplicationController < ActionController::API
  rescue_from ForbiddenError do |e|
    render json: { error: e.message }, status: :forbidden
  end
  rescue_from GoneError, with: :gone
  private
  def gone
    head :gone
  end
end
`,
  'go.mod': 'module example.com/x\n\ngo 1.22\n',
  'main.go': [
    'package main',
    '',
    'import (',
    '\t"fmt"',
    '\t"net/http"',
    ')',
    '',
    'func main() {',
    '\tmux := http.NewServeMux()',
    '\tmux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {',
    '\t\tid := r.PathValue("id")',
    '\t\tif id == "0" {',
    '\t\t\thttp.Error(w, fmt.Sprintf("item %s not found (%d%%)", id, 100), http.StatusNotFound)',
    '\t\t\treturn',
    '\t\t}',
    '\t\thttp.Error(w, "item "+id+" is locked", http.StatusLocked)',
    '\t})',
    '\thttp.ListenAndServe(":8080", mux)',
    '}',
  ].join('\n'),
  'package.json': '{"dependencies": {"koa": "^2.15.0", "@koa/router": "^12.0.0", "http-errors": "^2.0.0"}}',
  'koa.js': [
    "const Koa = require('koa');",
    "const Router = require('@koa/router');",
    "const createError = require('http-errors');",
    'const router = new Router();',
    "router.get('/things/:id', (ctx) => { if (ctx.params.id === '0') throw createError.NotFound(); ctx.body = { id: ctx.params.id }; });",
    'new Koa().use(router.routes());',
  ].join('\n'),
  'app/controllers/widgets_controller.rb': `class WidgetsController < ApplicationController
  def show
    widget = Widget.find(params[:id])
    raise ForbiddenError unless widget.visible?
    raise GoneError if widget.deleted?
    render json: { message: "Widget #{widget.name} found" }
  end
end
`,
};

describe('messages and rescue handlers', () => {
  it('reads messages built from pieces, and the statuses rescue_from gives', () => {
    const endpoints = new Map(extractFiles(FILES).endpoints.map((e) => [`${e.method} ${e.path}`, e.outcomes]));
    expect(endpoints.get('POST /refund/{pid}')!.map((o) => [o.status, o.body])).toEqual([
      [400, { message: 'Refund amount (<amount>) is greater than <pid>' }],
      [422, { message: 'Refund <amount> is negative' }],
      [409, { message: 'Refund <amount> is one' }],
      [200, { ok: true }],
    ]);
    const widget = endpoints.get('GET /widgets/{id}')!;
    expect(widget.map((o) => o.status).sort()).toEqual([200, 403, 404, 410]);
    expect(widget.find((o) => o.status === 200)!.body).toEqual({ message: 'Widget <widget.name> found' });
    expect(endpoints.get('GET /items/{id}')!.map((o) => [o.status, o.body])).toEqual([
      [404, 'item <id> not found (<100>%)'],
      [423, 'item <id> is locked'],
    ]);
    expect(
      endpoints
        .get('GET /things/{id}')!
        .map((o) => o.status)
        .sort(),
    ).toEqual([200, 404]);
  });
});
