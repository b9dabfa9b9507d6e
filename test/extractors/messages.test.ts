/**
 * Messages built from pieces read as the code means them (Python f-strings, `%` and `.format`,
 * Ruby interpolation: the unknown parts as `<expr>`), and Rails `rescue_from` handlers giving the
 * status of what an action raises.
 */
import { describe, expect, it } from 'vitest';
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { inMemoryProject } from '../../extractors/project.js';
import { runExtractors } from '../../extractors/run.js';

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
    const project = inMemoryProject('/app', (file) => FILES[file] ?? '', Object.keys(FILES));
    const endpoints = new Map(runExtractors(project, { extractors: ALL_EXTRACTORS }).endpoints.map((e) => [`${e.method} ${e.path}`, e.outcomes]));
    expect(endpoints.get('POST /refund/{pid}')!.map((o) => [o.status, o.body])).toEqual([
      [400, { message: 'Refund amount (<amount>) is greater than <pid>' }],
      [422, { message: 'Refund <amount> is negative' }],
      [409, { message: 'Refund <amount> is one' }],
      [200, { ok: true }],
    ]);
    const widget = endpoints.get('GET /widgets/{id}')!;
    expect(widget.map((o) => o.status).sort()).toEqual([200, 403, 404, 410]);
    expect(widget.find((o) => o.status === 200)!.body).toEqual({ message: 'Widget <widget.name> found' });
  });
});
