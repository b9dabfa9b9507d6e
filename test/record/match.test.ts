import { describe, expect, it } from 'vitest';
import { matchEndpoint } from '../../src/record/match.js';
import { PathTemplates } from '../../src/record/path-templates.js';
import { spec } from './fixtures.js';

const specs = [
  spec('id: customers.get\nendpoint: GET /customers/{customer_id}\n', 'a.yaml'),
  spec('id: customers.search\nendpoint: GET /customers/search\n', 'b.yaml'),
  spec('id: customers.list\nendpoint: GET /customers\n', 'c.yaml'),
  spec('id: refunds.create\nendpoint: POST /invoices/{invoice_id}/refunds\n', 'd.yaml'),
  spec('id: files.get\nendpoint: GET /files/{name}.json\n', 'e.yaml'),
  spec('id: webhooks.any\nendpoint: "* /hooks/{hook_id}"\n', 'f.yaml'),
  spec('id: hooks.delete\nendpoint: DELETE /hooks/{hook_id}\n', 'g.yaml'),
];

const matched = (method: string, target: string) => {
  const found = matchEndpoint(specs, method, target);
  return found && { id: found.spec.spec.id, params: found.params };
};

describe('matchEndpoint', () => {
  it('matches a template and returns the parameter values', () => {
    expect(matched('POST', '/invoices/in_42/refunds')).toEqual({ id: 'refunds.create', params: { invoice_id: 'in_42' } });
    expect(matched('GET', '/customers/cus_1')).toEqual({ id: 'customers.get', params: { customer_id: 'cus_1' } });
  });

  it('prefers a literal segment over a parameter, whatever the spec order', () => {
    expect(matched('GET', '/customers/search')).toEqual({ id: 'customers.search', params: {} });
    expect(matchEndpoint([...specs].reverse(), 'GET', '/customers/search')?.spec.spec.id).toBe('customers.search');
  });

  it('tolerates a trailing slash and ignores the query string', () => {
    expect(matched('GET', '/customers/cus_1/')).toEqual({ id: 'customers.get', params: { customer_id: 'cus_1' } });
    expect(matched('GET', '/customers/?limit=2')).toEqual({ id: 'customers.list', params: {} });
    expect(matched('GET', '/customers/search?q=ada#top')?.id).toBe('customers.search');
  });

  it('percent-decodes parameter values, keeping an encoded slash inside its segment', () => {
    expect(matched('GET', '/customers/ada%40example.test')?.params).toEqual({ customer_id: 'ada@example.test' });
    expect(matched('GET', '/customers/a%2Fb')?.params).toEqual({ customer_id: 'a/b' });
    expect(matched('GET', '/customers/%zz')?.params).toEqual({ customer_id: '%zz' });
  });

  it('matches parameters inside a segment', () => {
    expect(matched('GET', '/files/report.json')).toEqual({ id: 'files.get', params: { name: 'report' } });
    expect(matched('GET', '/files/report.xml')).toBeUndefined();
  });

  it('needs the method, and prefers an exact method over *', () => {
    expect(matched('DELETE', '/customers/cus_1')).toBeUndefined();
    expect(matched('DELETE', '/hooks/h_1')?.id).toBe('hooks.delete');
    expect(matched('get', '/hooks/h_1')?.id).toBe('webhooks.any');
  });

  it('answers undefined for paths no spec has', () => {
    expect(matched('GET', '/customers/cus_1/invoices')).toBeUndefined();
    expect(matched('GET', '/')).toBeUndefined();
  });
});

describe('path templates', () => {
  const byShape = (path: string) => new PathTemplates().template(path);

  it('turns segments that cannot be route names into parameters by their shape, and keeps words', () => {
    expect(byShape('/api/articles/how-to-train-your-dragon-yzqlfw/comments/17')).toBe('/api/articles/{slug}/comments/{id}');
    expect(byShape('/api/articles/my-first-post-x7k2')).toBe('/api/articles/{slug}');
    expect(byShape('/posts/a-very-long-title-of-five-words')).toBe('/posts/{slug}');
    expect(byShape('/commits/3f9a2c1/files')).toBe('/commits/{id}/files');
    expect(byShape('/orders/550e8400-e29b-41d4-a716-446655440000')).toBe('/orders/{id}');
    expect(byShape('/reports/2026-12-07')).toBe('/reports/{id}');
    // Route names stay: a word, a version, a few words that read as words, a short hex-looking word.
    for (const path of ['/users/me', '/api/v1/users', '/password-reset-request', '/health-check', '/cafe', '/oauth2/token', '/decade'])
      expect(byShape(path)).toBe(path);
  });

  it('turns a position into a parameter once five different words were seen there, slugs and names alike', () => {
    const templates = new PathTemplates();
    const slugs = ['my-first-post', 'hello-world', 'why-we-rewrote-it', 'on-dragons', 'notes-from-berlin'];
    // Before the position has varied enough, each word is its own route.
    for (const slug of slugs.slice(0, 4)) expect(templates.observe(`/api/articles/${slug}/comments`)).toBe(`/api/articles/${slug}/comments`);
    expect(templates.observe(`/api/articles/${slugs[4]}`)).toBe('/api/articles/{slug}');
    for (const slug of slugs) expect(templates.template(`/api/articles/${slug}/comments`)).toBe('/api/articles/{slug}/comments');
    expect(templates.template('/api/articles/never-seen-before')).toBe('/api/articles/{slug}');
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) templates.observe(`/api/profiles/${name}`);
    expect(templates.template('/api/profiles/frank/follow')).toBe('/api/profiles/{name}/follow');
    // Another parent is another position: nothing learned there.
    expect(templates.template('/api/tags/dragons')).toBe('/api/tags/dragons');
  });

  it('keeps a word literal beside ids, and beside a parameter by variation when it is used far more than the values there', () => {
    const templates = new PathTemplates();
    for (let id = 1; id <= 40; id++) templates.observe(`/users/${id}`);
    for (let i = 0; i < 3; i++) templates.observe('/users/me');
    expect(templates.template('/users/me')).toBe('/users/me');
    expect(templates.template('/users/41')).toBe('/users/{id}');

    for (const slug of ['my-first-post', 'hello-world', 'why-we-rewrote-it', 'on-dragons', 'notes-from-berlin', 'a-quiet-week']) {
      templates.observe(`/api/articles/${slug}`);
      templates.observe(`/api/articles/${slug}`);
      templates.observe('/api/articles/feed');
    }
    // feed: 6 uses against a median of 2; a slug read as often as the others is not a route.
    expect(templates.template('/api/articles/feed')).toBe('/api/articles/feed');
    expect(templates.template('/api/articles/hello-world')).toBe('/api/articles/{slug}');
  });

  it('goes on from the parameters of endpoints learned before (a shadow store after a restart)', () => {
    const templates = new PathTemplates();
    templates.seed('/api/articles/{slug}/comments/{id}');
    templates.seed('/api/profiles/{name}');
    expect(templates.observe('/api/articles/my-first-post/comments/3')).toBe('/api/articles/{slug}/comments/{id}');
    expect(templates.observe('/api/profiles/alice')).toBe('/api/profiles/{name}');
    expect(templates.observe('/api/tags/dragons')).toBe('/api/tags/dragons');
  });
});
