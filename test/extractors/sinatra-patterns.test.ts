/**
 * Sinatra apps as they are written: routes in loops over `%w(...)` lists and verbs sent with
 * `send`, paths interpolating a class constant, optional trailing slashes and parameters, splats as catch-alls,
 * `authenticate!` (required) versus reading `current_user` (optional), and the statuses an app's
 * `error SomeError do status 404 end` handlers give to what its helpers raise.
 */
import { describe, expect, it } from 'vitest';
import { inMemoryProject } from '../../extractors/project.js';
import { sinatraExtractor } from '../../extractors/ruby/sinatra.js';
import { authClassOf } from '../../extractors/score.js';
import type { EndpointFacts, ExtractionWarning } from '../../extractors/types.js';

const APP = `require 'sinatra/base'
require 'json'

class NotFoundError < StandardError; end

class Api < Sinatra::Base
  PREFIX = '/admin'

  helpers do
    def current_user
      @current_user ||= User.from_token(request.env['HTTP_AUTHORIZATION'])
    end

    def authenticate!
      halt 401, { error: 'unauthorized' }.to_json unless current_user
    end

    def find!(id)
      item = Item.find_by(id: id)
      raise NotFoundError unless item
      item
    end
  end

  error NotFoundError do
    status 404
    { error: 'not found' }.to_json
  end

  before "#{PREFIX}/*" do
    authenticate!
  end

  %w(users teams).each do |resource|
    get "/#{resource}" do
      authenticate!
      Store.public_send(resource).to_json
    end
  end

  [:get, :post].each do |verb|
    send(verb, '/ping') { 'pong' }
  end

  get "#{PREFIX}/stats" do
    { items: Item.count }.to_json
  end

  get '/items/?' do
    Item.visible_to(current_user).to_json
  end

  get '/items/:id' do
    find!(params[:id]).to_json
  end

  get '/files/*' do
    send_file File.join('public', params['splat'].first)
  end

  get '/tags/:name?' do
    Tag.all.to_json
  end
end
`;

function extract(): { endpoints: Map<string, EndpointFacts>; warnings: ExtractionWarning[] } {
  const files: Record<string, string> = { Gemfile: "gem 'sinatra'\n", 'app.rb': APP, 'config.ru': "require './app'\nmap '/api' do\n  run Api\nend\n" };
  const warnings: ExtractionWarning[] = [];
  const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
  const endpoints = sinatraExtractor.extract({ project, warn: (w) => warnings.push(w) });
  return { endpoints: new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e])), warnings };
}

describe('sinatra as real apps write it', () => {
  it('expands routes made in loops and with send, interpolated constants, optional slashes and splats', () => {
    const { endpoints, warnings } = extract();
    expect(warnings.map((w) => `${w.file}:${w.line}: ${w.message}`)).toEqual([
      'app.rb:61: optional path parameter: listed as 2 routes, /api/tags, /api/tags/{name}',
    ]);
    expect([...endpoints.keys()].sort()).toEqual(
      [
        'GET /api/users',
        'GET /api/teams',
        'GET /api/ping',
        'POST /api/ping',
        'GET /api/admin/stats',
        'GET /api/items',
        'GET /api/items/{id}',
        'GET /api/files/{splat*}',
        // an optional parameter: with and without
        'GET /api/tags',
        'GET /api/tags/{name}',
      ].sort(),
    );
  });

  it('tells authenticate! (required, 401) from reading current_user (optional), and filters by their path', () => {
    const { endpoints } = extract();
    const auth = (key: string) => authClassOf(endpoints.get(key)!);
    expect(auth('GET /api/users')).toBe('required');
    expect(auth('GET /api/admin/stats')).toBe('required');
    expect(auth('GET /api/items')).toBe('optional');
    expect(auth('GET /api/ping')).toBe('none');
    expect(endpoints.get('GET /api/users')!.outcomes.map((o) => o.status)).toContain(401);
  });

  it("answers what a helper raises with the status of the app's error handler for it", () => {
    const { endpoints } = extract();
    expect([...new Set(endpoints.get('GET /api/items/{id}')!.outcomes.map((o) => o.status))].sort()).toEqual([200, 404]);
  });
});
