/**
 * Rails: routes from `config/routes.rb`, each mapped to its `Controller#action`; guards from the
 * controller's callback chain (inherited, with `only:`/`except:` and `skip_before_action`
 * applied per action), and params, outcomes, side effects and volatile values read from the
 * action, its callbacks and the same-project methods they call.
 */
import { endpointSourceHash, type HashedSpan } from '../hash.js';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, SourceProject } from '../types.js';
import { analyse, AUTH_NAME, AUTHZ_NAME, emptyAnalysis, exceptionStatuses, finish, statusOf, type Analysis } from './analysis.js';
import { ClassIndex, type MethodDef } from './classes.js';
import { readRoutes, type RailsRoute } from './rails-routes.js';
import {
  args,
  at,
  blockOf,
  callName,
  camelize,
  endLine,
  line,
  nameList,
  type Node,
  oneLine,
  options,
  receiver,
  type RubyFile,
  rubyFiles,
  span,
  statements,
  stringValue,
  walk,
} from './tree.js';
import { compareEndpoints, onceEach, pathParamsOf } from './common.js';

const GEM = /^\s*gem\s+['"]rails['"]/m;
const LOCK = /^\s{4}rails \(/m;

export const railsExtractor: Extractor = {
  name: 'rails',
  language: 'ruby',
  entryPoint: /\.routes\.draw\b/,
  detect(project: SourceProject): boolean {
    for (const file of project.files) {
      const base = file.slice(file.lastIndexOf('/') + 1);
      try {
        if (base === 'Gemfile' && GEM.test(project.read(file))) return true;
        if (base === 'Gemfile.lock' && LOCK.test(project.read(file))) return true;
        if (
          /(^|\/)config\/routes\.rb$/.test(file) &&
          /\.routes\.draw\b/.test(project.read(file)) &&
          /Rails\.application|::Application/.test(project.read(file))
        )
          return true;
      } catch {
        // unreadable: not evidence either way
      }
    }
    return false;
  },
  extract(outer: ExtractorContext): EndpointFacts[] {
    const context = onceEach(outer);
    const files = rubyFiles(context, 'rails');
    const index = new ClassIndex(files.filter((f) => !/(^|\/)(spec|test)\//.test(f.file)));
    const routes = readRoutes(files, context);
    const throttles = rackAttackThrottles(files);
    const out: EndpointFacts[] = [];
    for (const route of routes) {
      const facts = endpointFor(index, route, context);
      if (!facts) continue;
      for (const t of throttles) {
        if (t.prefix !== undefined && !facts.path.startsWith(t.prefix)) continue;
        if (t.method !== undefined && facts.method !== t.method && facts.method !== '*') continue;
        facts.guards.unshift({ ...t.guard });
      }
      out.push(facts);
    }
    return out.sort(compareEndpoints);
  },
};

interface FilterOp {
  op: 'add' | 'skip';
  /** The filter method, or a label for a guard that is not a method (`protect_from_forgery`). */
  name: string;
  only?: string[];
  except?: string[];
  guard?: Guard;
  /** The filter's code: a method or a block. */
  code?: { file: string; node: Node; owner: string };
}

function endpointFor(index: ClassIndex, route: RailsRoute, context: ExtractorContext): EndpointFacts | undefined {
  const routeSpan: HashedSpan = { file: route.file, start: line(route.node), end: endLine(route.node), text: route.node.text };
  const pathParams = pathParamsOf(route.path);
  // Devise's own controllers require a signed-in user for editing, updating and deleting the registration (authenticate_scope!).
  const deviseAuth = route.gem === 'devise' && route.gemModule === 'registrations' && ['edit', 'update', 'destroy'].includes(route.action ?? '');
  const evidence = at(route.file, route.node);
  const base = (handler: string): EndpointFacts => ({
    method: route.method,
    path: route.path,
    framework: 'rails',
    handler,
    params: [...pathParams].sort().map((name) => ({ name, in: 'path' as const, required: true, evidence })),
    guards: deviseAuth ? [{ kind: 'auth', text: 'devise: authenticate_scope!', level: 'controller', required: true, evidence }] : [],
    outcomes: deviseAuth ? [{ status: 401, when: 'not signed in (devise; an HTML request is redirected to sign in instead)', evidence }] : [],
    side_effects: [],
    volatile: [],
    source_hash: endpointSourceHash(routeSpan),
  });
  if (route.redirect) {
    const facts = base(span(route.file, route.node));
    facts.outcomes.push({ status: route.redirect.status, body: { location: route.redirect.target }, evidence: at(route.file, route.node) });
    return facts;
  }
  if (!route.controller || !route.action) return base(span(route.file, route.node));
  const className = `${camelize(route.controller)}Controller`;
  const cls = index.get(className);
  if (!cls) {
    if (route.optional) return undefined;
    if (!route.gem) context.warn({ file: route.file, line: line(route.node), message: `controller ${className} not found` });
    return base(span(route.file, route.node));
  }
  const method = index.method(className, route.action);
  if (method && method.visibility !== 'public') {
    context.warn({ file: method.file, line: line(method.node), message: `${className}#${route.action} is ${method.visibility}: not routable as an action` });
  }
  if (!method) {
    if (route.optional) return undefined;
    if (!route.gem && chainIsClosed(index, className)) {
      context.warn({ file: route.file, line: line(route.node), message: `action ${className}#${route.action} not found` });
    }
  }
  const facts = base(method ? span(method.file, method.node) : span(route.file, route.node));
  const analysis = emptyAnalysis();
  // A project controller that subclasses devise's keeps devise's filters: its 401 stays (the guard is in base()).
  analysis.outcomes.push(...facts.outcomes);
  const filters = activeFilters(index, className, route.action);
  const hashed: MethodDef[] = [];
  const opts = { pathParams, framework: 'rails' as const, raised: rescueHandlers(index, className) };
  for (const f of filters) {
    if (f.guard) facts.guards.push(f.guard);
    // Devise's authenticate_<scope>! (a gem method, not the project's) answers 401 to a request that is not signed in.
    if (!f.code && f.guard?.kind === 'auth' && /^authenticate_[a-z_]+!$/.test(f.name))
      analysis.outcomes.push({
        status: 401,
        when: `not signed in (${f.name}; an HTML request is redirected to sign in instead)`,
        ...(f.guard.evidence && { evidence: f.guard.evidence }),
      });
    if (f.code) {
      analyse(index, f.code, opts, analysis);
      if (f.code.node.type === 'method')
        hashed.push({ name: f.name, owner: f.code.owner, file: f.code.file, node: f.code.node, visibility: 'private', singleton: false });
    }
  }
  if (method) analyse(index, { file: method.file, node: method.node, owner: className }, opts, analysis);
  const done: Analysis = finish(analysis);
  // Reading current_user is not a guard here: a controller's before_action filters say what is required.
  for (const g of done.inlineGuards) {
    if (g.required === false) continue;
    facts.guards.push({ kind: AUTHZ_NAME.test(g.text) ? 'authz' : 'auth', text: g.text, level: 'handler', evidence: g.evidence });
  }
  const seen = new Set(facts.params.map((p) => `${p.in}\0${p.name}`));
  for (const p of done.params) {
    if (p.in === 'path' && seen.has(`path\0${p.name}`)) continue;
    facts.params.push(p);
  }
  facts.outcomes = done.outcomes;
  facts.side_effects = done.side_effects;
  facts.volatile = done.volatile;
  if (method) {
    const spans = [...hashed, ...done.helpers].map((m) => ({ file: m.file, start: line(m.node), end: endLine(m.node), text: m.node.text }));
    facts.source_hash = endpointSourceHash({ file: method.file, start: line(method.node), end: endLine(method.node), text: method.node.text }, spans);
  }
  return facts;
}

/**
 * `rescue_from ForbiddenError, with: :forbidden` or `rescue_from ForbiddenError do ... end` in the
 * controller or its ancestors: exception class → the status its handler renders (`render ...,
 * status: :forbidden`, `head :not_found`).
 */
function rescueHandlers(index: ClassIndex, className: string): Map<string, number> {
  return exceptionStatuses(
    index,
    className,
    'rescue_from',
    (cls, call) => {
      const handler = options(call).get('with');
      const name = handler ? stringValue(handler) : undefined;
      return name ? index.method(cls, name)?.node : blockOf(call);
    },
    (call) => {
      const called = callName(call);
      const given = called === 'render' ? options(call).get('status') : called === 'head' ? args(call)[0] : undefined;
      return given ? statusOf(given) : undefined;
    },
  );
}

/** True when every ancestor is in the project up to a Rails base class: a missing action is a real gap. */
function chainIsClosed(index: ClassIndex, className: string): boolean {
  const chain = index.ancestors(className).filter((c) => c.kind === 'class');
  const last = chain[chain.length - 1];
  return !!last && (!last.superclass || /^(::)?ActionController::(Base|API|Metal)$/.test(last.superclass));
}

const BEFORE = new Set(['before_action', 'prepend_before_action', 'append_before_action', 'around_action', 'before_filter', 'prepend_before_filter']);
const SKIP = new Set(['skip_before_action', 'skip_around_action', 'skip_before_filter', 'skip_filter', 'skip_action_callback']);

function guardKind(name: string): Guard['kind'] | undefined {
  if (/throttle|rate_limit/i.test(name)) return 'rate_limit';
  if (/csrf|authenticity|forgery/i.test(name)) return 'csrf';
  if (AUTH_NAME.test(name)) return AUTHZ_NAME.test(name) ? 'authz' : 'auth';
  if (/valid/i.test(name)) return 'validation';
  return undefined;
}

/** Every callback declaration of the controller and its ancestors, base class first. */
function filterOps(index: ClassIndex, className: string): FilterOp[] {
  const ops: FilterOp[] = [];
  for (const cls of index.ancestors(className).reverse()) {
    for (const { file, node } of cls.statements) {
      if (node.type !== 'call' && node.type !== 'identifier') continue;
      const name = callName(node) ?? '';
      if (node.type === 'call' && receiver(node)) continue;
      const opts = node.type === 'call' ? options(node) : new Map<string, Node>();
      const only = nameList(opts.get('only'));
      const except = nameList(opts.get('except'));
      const scoped = (op: FilterOp): FilterOp => ({ ...op, ...(only && { only }), ...(except && { except }) });
      const evidence = at(file, node);
      if (BEFORE.has(name) && node.type === 'call') {
        const block = blockOf(node);
        const positional = args(node);
        for (const a of positional) {
          const fname = stringValue(a);
          if (fname !== undefined) {
            const kind = guardKind(fname);
            const def = index.method(className, fname);
            const op: FilterOp = { op: 'add', name: fname };
            if (kind) op.guard = { kind, text: `${name} :${fname}`, level: 'controller', evidence };
            if (def) op.code = { file: def.file, node: def.node, owner: className };
            ops.push(scoped(op));
          } else if (a.type === 'lambda') {
            const op: FilterOp = { op: 'add', name: `(lambda ${evidence})`, code: { file, node: a, owner: className } };
            const kind = guardKind(a.text);
            if (kind) op.guard = { kind, text: oneLine(a.text), level: 'controller', evidence };
            ops.push(scoped(op));
          }
        }
        if (block) {
          const op: FilterOp = { op: 'add', name: `(block ${evidence})`, code: { file, node: block, owner: className } };
          const kind = guardKind(block.text);
          if (kind)
            op.guard = {
              kind,
              text: `${name} ${oneLine(
                statements(block)
                  .map((s) => s.text)
                  .join('; '),
              )}`.slice(0, 200),
              level: 'controller',
              evidence,
            };
          ops.push(scoped(op));
        }
        continue;
      }
      if (SKIP.has(name) && node.type === 'call') {
        for (const a of args(node)) {
          const fname = stringValue(a);
          if (fname === undefined) continue;
          ops.push(scoped({ op: 'skip', name: fname === 'verify_authenticity_token' ? 'protect_from_forgery' : fname }));
        }
        continue;
      }
      if (name === 'protect_from_forgery') {
        ops.push(scoped({ op: 'add', name, guard: { kind: 'csrf', text: oneLine(node.text), level: 'controller', evidence } }));
        continue;
      }
      if (name === 'skip_forgery_protection') {
        ops.push(scoped({ op: 'skip', name: 'protect_from_forgery' }));
        continue;
      }
      if (name === 'http_basic_authenticate_with' || name === 'http_digest_authenticate_with') {
        ops.push(scoped({ op: 'add', name, guard: { kind: 'auth', text: name, level: 'controller', evidence } }));
        continue;
      }
      if (name === 'rate_limit' || name === 'throttle') {
        ops.push(scoped({ op: 'add', name: `${name}@${evidence}`, guard: { kind: 'rate_limit', text: oneLine(node.text), level: 'controller', evidence } }));
        continue;
      }
      if (/^(load_and_authorize_resource|authorize_resource|verify_authorized|after_action :verify_authorized)$/.test(name)) {
        ops.push(scoped({ op: 'add', name, guard: { kind: 'authz', text: name, level: 'controller', evidence } }));
      }
    }
  }
  return ops;
}

function applies(op: FilterOp, action: string): boolean {
  if (op.only && !op.only.includes(action)) return false;
  if (op.except && op.except.includes(action)) return false;
  return true;
}

function activeFilters(index: ClassIndex, className: string, action: string): FilterOp[] {
  let active: FilterOp[] = [];
  for (const op of filterOps(index, className)) {
    if (!applies(op, action)) continue;
    if (op.op === 'skip') active = active.filter((a) => a.name !== op.name);
    else active = active.filter((a) => a.name !== op.name).concat(op);
  }
  return active;
}

interface Throttle {
  guard: Guard;
  prefix?: string;
  method?: EndpointFacts['method'];
}

/** Rack::Attack throttles: app-level rate limits, narrowed to a path prefix when the block names one. */
function rackAttackThrottles(files: readonly RubyFile[]): Throttle[] {
  const out: Throttle[] = [];
  for (const f of files) {
    if (!/Rack::Attack/.test(f.source)) continue;
    for (const node of walk(f.root)) {
      if (node.type !== 'call' || callName(node) !== 'throttle') continue;
      const r = receiver(node);
      if (r && r.text !== 'Rack::Attack') continue;
      const block = blockOf(node);
      const head = oneLine(node.text.slice(0, block ? block.startIndex - node.startIndex : undefined));
      const entry: Throttle = { guard: { kind: 'rate_limit', text: head, level: 'app', evidence: at(f.file, node) } };
      const prefix = block ? /['"](\/[^'"#]*)['"]/.exec(block.text)?.[1] : undefined;
      if (prefix) entry.prefix = prefix;
      const verb = block ? /\.(get|post|put|patch|delete)\?/.exec(block.text)?.[1] : undefined;
      if (verb) entry.method = verb.toUpperCase() as Throttle['method'];
      out.push(entry);
    }
  }
  return out;
}
