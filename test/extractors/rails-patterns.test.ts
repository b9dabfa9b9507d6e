/**
 * Rails routes as real apps write them: optional segments (`get 'posts(/page/:page)'`,
 * `scope '(:locale)'`) as a route with and one without, concerns and constraints, a glob, and
 * devise's `authenticate_user!` (a gem method) answering 401 where it applies (`except:`), and
 * devise's own registration controller.
 */
import { describe, expect, it } from 'vitest';
import { inMemoryProject } from '../../extractors/project.js';
import { railsExtractor } from '../../extractors/ruby/rails.js';
import { authClassOf } from '../../extractors/score.js';
import type { ExtractionWarning } from '../../extractors/types.js';

const FILES: Record<string, string> = {
  Gemfile: "gem 'rails'\ngem 'devise'\n",
  'config/routes.rb': `Rails.application.routes.draw do
  concern :commentable do
    resources :comments, only: [:index, :create]
  end
  scope '(:locale)', locale: /en|fr/ do
    get 'about', to: 'pages#about'
  end
  get 'posts(/page/:page)', to: 'posts#index'
  constraints subdomain: 'api' do
    get 'status', to: 'pages#status'
  end
  resources :articles, concerns: :commentable, only: [:show]
  get 'files/*path', to: 'pages#file'
end
`,
  'app/controllers/application_controller.rb': 'class ApplicationController < ActionController::Base; end\n',
  'app/controllers/pages_controller.rb': `class PagesController < ApplicationController
  before_action :authenticate_user!, except: [:about]
  def about; render json: {}; end
  def status; render json: {}; end
  def file; head :not_found; end
end
`,
  'app/controllers/posts_controller.rb': 'class PostsController < ApplicationController\n  def index; render json: []; end\nend\n',
  'app/controllers/comments_controller.rb':
    'class CommentsController < ApplicationController\n  def index; render json: []; end\n  def create; render json: {}, status: :created; end\nend\n',
  'app/controllers/articles_controller.rb': 'class ArticlesController < ApplicationController\n  def show; render json: {}; end\nend\n',
};

function extract() {
  const warnings: ExtractionWarning[] = [];
  const project = inMemoryProject('/app', (file) => FILES[file] ?? '', Object.keys(FILES));
  const endpoints = railsExtractor.extract({ project, warn: (w) => warnings.push(w) });
  return { endpoints: new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e])), warnings: warnings.map((w) => `${w.file}:${w.line}: ${w.message}`) };
}

describe('rails routes as real apps write them', () => {
  it('lists an optional segment as the routes it matches, and follows concerns, constraints and globs', () => {
    const { endpoints, warnings } = extract();
    expect([...endpoints.keys()].sort()).toEqual(
      [
        'GET /about',
        'GET /{locale}/about',
        'GET /posts',
        'GET /posts/page/{page}',
        'GET /status',
        'GET /articles/{id}',
        'GET /articles/{article_id}/comments',
        'POST /articles/{article_id}/comments',
        'GET /files/{path*}',
      ].sort(),
    );
    expect(warnings).toEqual([
      'config/routes.rb:6: optional segment in /({locale})/about: listed as 2 routes, /about, /{locale}/about',
      'config/routes.rb:8: optional segment in /posts(/page/{page}): listed as 2 routes, /posts, /posts/page/{page}',
    ]);
  });

  it("answers 401 where devise's authenticate_user! applies, and not where except: leaves it out", () => {
    const { endpoints } = extract();
    const statuses = (key: string) =>
      endpoints
        .get(key)!
        .outcomes.map((o) => o.status)
        .sort();
    expect(statuses('GET /status')).toEqual([200, 401]);
    expect(statuses('GET /about')).toEqual([200]);
  });

  it("reads devise's own registration controller: editing, updating and deleting it need a signed-in user", () => {
    const files: Record<string, string> = {
      Gemfile: "gem 'rails'\ngem 'devise'\n",
      'config/routes.rb': 'Rails.application.routes.draw do\n  devise_for :users, only: [:registrations, :sessions]\nend\n',
      'app/controllers/application_controller.rb': 'class ApplicationController < ActionController::Base; end\n',
    };
    const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
    const endpoints = new Map(railsExtractor.extract({ project, warn: () => undefined }).map((e) => [`${e.method} ${e.path}`, e]));
    for (const key of ['GET /users/edit', 'PUT /users', 'PATCH /users', 'DELETE /users']) {
      expect(authClassOf(endpoints.get(key)!), key).toBe('required');
      expect(
        endpoints.get(key)!.outcomes.map((o) => o.status),
        key,
      ).toEqual([401]);
    }
    for (const key of ['POST /users', 'GET /users/sign_up', 'POST /users/sign_in', 'DELETE /users/sign_out'])
      expect(authClassOf(endpoints.get(key)!), key).toBe('none');
  });
});
