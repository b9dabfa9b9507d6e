/**
 * Sinatra: classic (`require 'sinatra'`, top-level `get '/x' do ... end`) and modular
 * (`class App < Sinatra::Base`) apps, sinatra-contrib `namespace` blocks, `config.ru` `map`
 * prefixes, and `before` filters as guards (app-wide, or by path pattern). The handler is the
 * route block; helpers are the app's methods and `helpers do ... end` blocks.
 */
import type { HttpMethod } from '../../src/spec/schema.js';
import { endpointSourceHash, type HashedSpan } from '../hash.js';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, SourceProject } from '../types.js';
import { analyse, AUTH_NAME, AUTHZ_NAME, emptyAnalysis, exceptionStatuses, finish, statusOf } from './analysis.js';
import { ClassIndex } from './classes.js';
import { compareEndpoints, onceEach, pathParamsOf } from './common.js';
import { ROUTE_PATH_WARNING } from './rails-routes.js';
import {
  args,
  at,
  blockOf,
  callName,
  constantName,
  endLine,
  joinKeepingOptional,
  joinPath,
  line,
  literal,
  nameList,
  type Node,
  oneLine,
  receiver,
  type RubyFile,
  rubyFiles,
  span,
  statements,
  stringValue,
  walk,
} from './tree.js';

const GEM = /^\s*gem\s+['"]sinatra['"]/m;
const LOCK = /^\s{4}sinatra \(/m;
const USES = /require\s*\(?\s*['"]sinatra(\/base)?['"]|Sinatra::(Base|Application)/;

export const sinatraExtractor: Extractor = {
  name: 'sinatra',
  language: 'ruby',
  entryPoint: /<\s*Sinatra::(Base|Application)\b|^\s*require\s+['\"]sinatra['\"]/m,
  detect(project: SourceProject): boolean {
    for (const file of project.files) {
      const base = file.slice(file.lastIndexOf('/') + 1);
      try {
        if (base === 'Gemfile' && GEM.test(project.read(file))) return true;
        if (base === 'Gemfile.lock' && LOCK.test(project.read(file))) return true;
        if ((file.endsWith('.rb') || base === 'config.ru') && USES.test(project.read(file))) return true;
      } catch {
        // unreadable: not evidence either way
      }
    }
    return false;
  },
  extract(outer: ExtractorContext): EndpointFacts[] {
    const context = onceEach(outer);
    const files = rubyFiles(context, 'sinatra').filter((f) => !/(^|\/)(spec|test)\//.test(f.file));
    const index = new ClassIndex(files);
    const mounts = readMounts(files);
    const out: EndpointFacts[] = [];
    for (const app of sinatraApps(index, files)) {
      const prefix = mounts.get(app.owner) ?? '';
      const routes: SinatraRoute[] = [];
      const filters: Filter[] = [];
      const appGuards: Guard[] = [];
      const constants = new Map<string, string>();
      for (const owner of [...index.ancestors(app.owner)].reverse()) {
        for (const { node } of owner.statements) {
          const left = node.type === 'assignment' ? node.childForFieldName('left') : undefined;
          const value = node.type === 'assignment' ? stringValue(node.childForFieldName('right') ?? undefined) : undefined;
          if (left?.type === 'constant' && value !== undefined) constants.set(left.text, value);
        }
      }
      const ctx: WalkContext = { context, routes, filters, appGuards, constants };
      for (const { file, node } of app.statements) visit(ctx, file, node, prefix, false, new Map());
      // Sinatra filters and middleware are inherited by subclasses.
      for (const parent of index.ancestors(app.owner).slice(1)) {
        for (const { file, node } of parent.statements) {
          const name = callName(node);
          if (name === 'before' || name === 'use') visit({ ...ctx, routes: [] }, file, node, prefix, false, new Map());
        }
      }
      // `error NotFoundError do status 404 ... end`: what the app answers for its own exception classes.
      const raised = exceptionStatuses(
        index,
        app.owner,
        'error',
        (_cls, call) => blockOf(call),
        (call) => (/^(status|halt)$/.test(callName(call) ?? '') ? statusOf(args(call)[0]) : undefined),
      );
      for (const route of routes) out.push(endpointFor(index, app.owner, route, filters, appGuards, raised));
    }
    return out.sort(compareEndpoints);
  },
};

interface SinatraRoute {
  method: HttpMethod;
  path: string;
  file: string;
  call: Node;
  block: Node;
}

interface Filter {
  /** Matches the full route path template; undefined for every route. */
  pattern?: RegExp;
  level: Guard['level'];
  file: string;
  call: Node;
  block: Node;
}

interface WalkContext {
  context: ExtractorContext;
  routes: SinatraRoute[];
  filters: Filter[];
  appGuards: Guard[];
  /** String constants of the app and its ancestors (`PREFIX = '/admin'`), for interpolated paths. */
  constants: Map<string, string>;
}

/** Block variables of the loops a route is defined in (`%w(users teams).each do |resource|`), bound to one element each. */
type Bindings = ReadonlyMap<string, string>;

const VERBS: Record<string, HttpMethod> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', options: 'OPTIONS', head: 'HEAD' };

/** The apps: each Sinatra::Base subclass, and main for classic apps. */
function sinatraApps(index: ClassIndex, files: readonly RubyFile[]): Array<{ owner: string; statements: Array<{ file: string; node: Node }> }> {
  const apps: Array<{ owner: string; statements: Array<{ file: string; node: Node }> }> = [];
  for (const cls of [...index.classes.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (cls.name === '' || cls.kind !== 'class') continue;
    if (!index.superNames(cls.name).some((s) => /^(::)?Sinatra::(Base|Application)$/.test(s))) continue;
    apps.push({ owner: cls.name, statements: cls.statements });
  }
  const main = index.get('');
  const classicFiles = new Set(files.filter((f) => f.file.endsWith('.rb')).map((f) => f.file));
  if (main) apps.push({ owner: '', statements: main.statements.filter((s) => classicFiles.has(s.file)) });
  return apps;
}

/** `map '/api' do run Api::App end` in config.ru: class → path prefix. */
function readMounts(files: readonly RubyFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    if (!f.file.endsWith('config.ru')) continue;
    const visitRu = (node: Node, prefix: string) => {
      for (const stmt of statements(node)) {
        const name = callName(stmt);
        if (name === 'map' && stmt.type === 'call') {
          const p = stringValue(args(stmt)[0]);
          const block = blockOf(stmt);
          if (p !== undefined && block) visitRu(block, joinPath(prefix, p));
        } else if ((name === 'run' || name === 'use') && stmt.type === 'call') {
          const c = constantName(args(stmt)[0]) ?? constantName(receiver(args(stmt)[0] ?? stmt));
          if (c) out.set(c, prefix === '/' ? '' : prefix);
        }
      }
    };
    visitRu(f.root, '');
  }
  return out;
}

function visit(ctx: WalkContext, file: string, node: Node, prefix: string, inNamespace: boolean, bindings: Bindings): void {
  if (node.type !== 'call' && node.type !== 'identifier') return;
  const warn = (message: string) => ctx.context.warn({ file, line: line(node), message });
  // Routes defined in a loop over a literal list: `%w(users teams).each do |resource| get "/#{resource}" do ... end end`.
  if (node.type === 'call' && receiver(node) && callName(node) === 'each') {
    const items = nameList(receiver(node) ?? undefined);
    const block = blockOf(node);
    const variable = block?.childForFieldName('parameters')?.namedChildren[0]?.text;
    if (!items || !block || !variable) return;
    for (const item of items) {
      const bound = new Map(bindings).set(variable, item);
      for (const stmt of statements(block)) visit(ctx, file, stmt, prefix, inNamespace, bound);
    }
    return;
  }
  if (node.type === 'call' && receiver(node)) return;
  let name = callName(node) ?? '';
  const block = blockOf(node);
  let routeArgs = node.type === 'call' ? args(node) : [];
  // `send(verb, '/ping') { ... }` with the verb bound by a loop.
  if ((name === 'send' || name === 'public_send') && routeArgs[0]) {
    const verb = routeArgs[0].type === 'identifier' ? bindings.get(routeArgs[0].text) : stringValue(routeArgs[0]);
    if (verb === undefined) return;
    name = verb;
    routeArgs = routeArgs.slice(1);
  }
  if (VERBS[name] && block && node.type === 'call') {
    const first = routeArgs[0];
    const path = first ? routePath(first, prefix, warn, { bindings, constants: ctx.constants }) : prefix || '/';
    if (path === undefined) return;
    // An optional parameter (`/posts/:id?`) is a route without it and one with it.
    const paths = optionalVariants(path);
    if (paths.length > 1) warn(`optional path parameter: listed as ${paths.length} routes, ${paths.join(', ')}`);
    for (const variant of paths) ctx.routes.push({ method: VERBS[name]!, path: variant, file, call: node, block });
    return;
  }
  if (name === 'namespace' && block && node.type === 'call') {
    const first = args(node)[0];
    const value = first ? stringValue(first) : undefined;
    if (value === undefined) {
      warn(ROUTE_PATH_WARNING);
      return;
    }
    const inner = joinPath(prefix, sinatraPattern(value));
    for (const stmt of statements(block)) visit(ctx, file, stmt, inner, true, bindings);
    return;
  }
  if (name === 'before' && block) {
    const first = node.type === 'call' ? args(node)[0] : undefined;
    if (first) {
      const value = interpolated(first, { bindings, constants: ctx.constants });
      if (value === undefined) {
        warn('before filter pattern is not a string; applied to no route');
        return;
      }
      const full = joinPath(prefix, value);
      ctx.filters.push({ pattern: patternRegex(full), level: 'router', file, call: node, block });
    } else if (inNamespace) {
      ctx.filters.push({ pattern: patternRegex(`${prefix}*`), level: 'group', file, call: node, block });
    } else ctx.filters.push({ level: 'app', file, call: node, block });
    return;
  }
  if (name === 'use' && node.type === 'call') {
    const middleware = constantName(args(node)[0]) ?? '';
    const evidence = at(file, node);
    if (/Auth::Basic|Auth::Digest|Warden|JWT/i.test(middleware)) ctx.appGuards.push({ kind: 'auth', text: `use ${middleware}`, level: 'app', evidence });
    else if (/Attack|Throttle|RateLimit/i.test(middleware)) ctx.appGuards.push({ kind: 'rate_limit', text: `use ${middleware}`, level: 'app', evidence });
    else if (/AuthenticityToken|Csrf/i.test(middleware)) ctx.appGuards.push({ kind: 'csrf', text: `use ${middleware}`, level: 'app', evidence });
  }
}

/** A string, with its interpolations of loop variables and string constants filled in; undefined when any part is not known. */
function interpolated(node: Node, scope: { bindings: Bindings; constants: ReadonlyMap<string, string> }): string | undefined {
  const plain = stringValue(node);
  if (plain !== undefined || node.type !== 'string') return plain;
  let out = '';
  for (const part of node.namedChildren) {
    if (part.type === 'string_content') out += part.text;
    else if (part.type === 'interpolation') {
      const inner = part.namedChildren[0];
      const value = inner?.type === 'identifier' ? scope.bindings.get(inner.text) : inner?.type === 'constant' ? scope.constants.get(inner.text) : undefined;
      if (value === undefined || part.namedChildren.length !== 1) return undefined;
      out += value;
    } else return undefined;
  }
  return out;
}

/** A Sinatra route path as an OpenAPI template, or undefined (warned) when it cannot be one. */
function routePath(
  node: Node,
  prefix: string,
  warn: (message: string) => void,
  scope: { bindings: Bindings; constants: ReadonlyMap<string, string> } = { bindings: new Map(), constants: new Map() },
): string | undefined {
  if (node.type === 'regex') {
    const converted = simpleRegex(node);
    if (converted === undefined) {
      warn(`regex route not converted to a path template: ${oneLine(node.text)}`);
      return undefined;
    }
    return joinPath(prefix, converted);
  }
  const value = interpolated(node, scope);
  if (value === undefined) {
    warn(ROUTE_PATH_WARNING);
    return undefined;
  }
  return joinKeepingOptional(prefix, sinatraPattern(value));
}

/**
 * `/posts/:id.?:format?` → `/posts/:id`; an optional trailing slash (`/items/?`) is one route
 * without it; a splat `*` matches several segments → `*splat` (`{splat*}`).
 */
function sinatraPattern(path: string): string {
  let splats = 0;
  return path
    .replace(/\.?\??:format\?/g, '')
    .replace(/\/:([A-Za-z_]\w*)\?/g, '(/:$1)')
    .replace(/(.)\/\?$/, '$1')
    .replace(/\*/g, () => (splats++ === 0 ? '*splat' : `*splat${splats}`));
}

/** `/posts(/{id})` (an optional parameter kept by sinatraPattern) as the routes it matches. */
function optionalVariants(path: string): string[] {
  const group = /\(([^()]*)\)/.exec(path);
  if (!group) return [path];
  const rest = path.slice(group.index + group[0].length);
  const head = path.slice(0, group.index);
  return [...new Set([...optionalVariants(`${head}${rest}`), ...optionalVariants(`${head}${group[1]}${rest}`)])].map((p) => p.replace(/\/{2,}/g, '/') || '/');
}

/** `%r{/posts/(\d+)}` → `/posts/:capture1`; named groups keep their names. Anything fancier: undefined. */
function simpleRegex(node: Node): string | undefined {
  let source = '';
  for (const c of node.namedChildren) {
    if (c.type === 'string_content' || c.type === 'escape_sequence') source += c.text;
    else return undefined;
  }
  source = source.replace(/^(\\A|\^)/, '').replace(/(\\z|\\Z|\$)$/, '');
  let n = 0;
  const GROUP_BODY = /^(\\d|\\w|\[\^\/\]|\[0-9\]|\[a-z0-9_-\]|\[\\w-\])[+*]$/;
  let failed = false;
  const templated = source.replace(/\((\?<(\w+)>)?([^()]*)\)/g, (_m, _named: string | undefined, name: string | undefined, body: string) => {
    if (!GROUP_BODY.test(body)) failed = true;
    n++;
    return `:${name ?? `capture${n}`}`;
  });
  if (failed) return undefined;
  const literalPath = templated.replace(/\\([/.\-])/g, '$1');
  if (!/^[A-Za-z0-9_\-/.:]*$/.test(literalPath)) return undefined;
  return literalPath;
}

function patternRegex(template: string): RegExp {
  const normal = template.replace(/\{[^}]+\}/g, ':p');
  const escaped = normal
    .split(/(\*|:[A-Za-z_]\w*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}

function filterGuard(filter: Filter): Guard | undefined {
  const halts: Node[] = [];
  for (const n of walk(filter.block)) {
    if (n.type === 'call' && !receiver(n) && /^(halt|redirect|error)$/.test(callName(n) ?? '')) halts.push(n);
    if (n.type === 'identifier' && /^(halt|not_found)$/.test(n.text)) halts.push(n);
  }
  const text = filter.block.text;
  if (halts.length === 0 && !AUTH_NAME.test(text)) return undefined;
  const first = halts[0];
  // The statement that halts: `halt 401 unless authorized?` reads better than the halt alone.
  let stmt: Node | undefined = first;
  while (stmt?.parent && !['body_statement', 'block_body', 'then', 'else'].includes(stmt.parent.type)) stmt = stmt.parent;
  const status = first && first.type === 'call' ? statusOf(args(first)[0]) : undefined;
  const subject = stmt?.text ?? text;
  const kind: Guard['kind'] =
    status === 429 || /throttle|rate_limit/i.test(text)
      ? 'rate_limit'
      : status === 403 || /admin|role|permission|policy/i.test(subject)
        ? 'authz'
        : status === 401 || AUTH_NAME.test(subject)
          ? 'auth'
          : status === 400 || status === 422
            ? 'validation'
            : 'other';
  const head = oneLine(filter.call.text.slice(0, filter.block.startIndex - filter.call.startIndex));
  return {
    kind,
    text: stmt ? `${head}: ${oneLine(stmt.text)}` : head,
    level: filter.level,
    evidence: at(filter.file, stmt ?? filter.call),
  };
}

function endpointFor(
  index: ClassIndex,
  owner: string,
  route: SinatraRoute,
  filters: readonly Filter[],
  appGuards: readonly Guard[],
  raised: ReadonlyMap<string, number>,
): EndpointFacts {
  const pathParams = pathParamsOf(route.path);
  const applicable = filters.filter((f) => !f.pattern || f.pattern.test(route.path));
  const guards: Guard[] = appGuards.map((g) => ({ ...g }));
  const analysis = emptyAnalysis();
  const filterSpans: HashedSpan[] = [];
  for (const f of applicable) {
    const g = filterGuard(f);
    if (g) guards.push(g);
    analyse(index, { file: f.file, node: f.block, owner }, { pathParams, framework: 'sinatra', raised }, analysis);
    filterSpans.push({ file: f.file, start: line(f.call), end: endLine(f.call), text: f.call.text });
  }
  const own = analyse(index, { file: route.file, node: route.block, owner }, { pathParams, framework: 'sinatra', raised });
  if (!own.outcomes.some((o) => o.when === undefined && o.status < 400)) {
    // A route block's value is the response: 200 unless a halt or status said otherwise.
    const body = statements(route.block);
    const last = body[body.length - 1];
    const value = last ? literal(last) : undefined;
    const implicit: EndpointFacts['outcomes'][number] = { status: 200, evidence: at(route.file, last ?? route.call) };
    if (value !== undefined) implicit.body = value;
    if (!own.outcomes.some((o) => o.when === undefined)) own.outcomes.push(implicit);
  }
  for (const k of ['params', 'outcomes', 'side_effects', 'volatile', 'helpers', 'inlineGuards'] as const) {
    (analysis[k] as unknown[]).push(...(own[k] as unknown[]));
  }
  const done = finish(analysis);
  for (const g of done.inlineGuards) {
    const kind = g.required === false ? 'auth' : AUTHZ_NAME.test(g.text) ? 'authz' : 'auth';
    guards.push({ kind, text: g.text, level: 'handler', ...(g.required !== undefined && { required: g.required }), evidence: g.evidence });
  }
  const params: EndpointFacts['params'] = [...pathParams].sort().map((name) => {
    const use = done.params.find((p) => p.in === 'path' && p.name === name);
    return { name, in: 'path' as const, required: true, evidence: use?.evidence ?? at(route.file, route.call) };
  });
  for (const p of done.params) if (!(p.in === 'path' && pathParams.has(p.name))) params.push(p);
  const helperSpans = done.helpers.map((m) => ({ file: m.file, start: line(m.node), end: endLine(m.node), text: m.node.text }));
  return {
    method: route.method,
    path: route.path,
    framework: 'sinatra',
    handler: span(route.file, route.call),
    params,
    guards,
    outcomes: done.outcomes,
    side_effects: done.side_effects,
    volatile: done.volatile,
    source_hash: endpointSourceHash({ file: route.file, start: line(route.call), end: endLine(route.call), text: route.call.text }, [
      ...filterSpans,
      ...helperSpans,
    ]),
  };
}
