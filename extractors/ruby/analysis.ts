/**
 * What a Ruby handler does, read statically: the params it reads, the statuses it can answer
 * with (and under which condition), its side effects and volatile values. The handler (a Rails
 * action or a Sinatra route block) is read together with the same-project methods it calls, to a
 * bounded depth; those methods are returned for the source hash.
 */
import type { Outcome, Param, SideEffect, Volatile } from '../types.js';
import type { ClassIndex, MethodDef } from './classes.js';
import {
  args,
  at,
  blockOf,
  callName,
  camelize,
  constantName,
  literal,
  type Literal,
  type Node,
  oneLine,
  options,
  pairsLiteral,
  receiver,
  singularize,
  stringValue,
  walk,
  walkBody,
} from './tree.js';

export const STATUS_SYMBOLS: Record<string, number> = {
  continue: 100,
  ok: 200,
  created: 201,
  accepted: 202,
  non_authoritative_information: 203,
  no_content: 204,
  reset_content: 205,
  partial_content: 206,
  multiple_choices: 300,
  moved_permanently: 301,
  found: 302,
  see_other: 303,
  not_modified: 304,
  temporary_redirect: 307,
  permanent_redirect: 308,
  bad_request: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  request_timeout: 408,
  conflict: 409,
  gone: 410,
  length_required: 411,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_entity: 422,
  unprocessable_content: 422,
  locked: 423,
  precondition_required: 428,
  too_many_requests: 429,
  internal_server_error: 500,
  not_implemented: 501,
  bad_gateway: 502,
  service_unavailable: 503,
  gateway_timeout: 504,
};

/** `:created`, `201`, `"201"` → 201; anything computed → undefined. */
export function statusOf(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  const v = literal(node);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v;
  if (typeof v === 'string') {
    if (/^\d{3}$/.test(v)) return Number(v);
    return STATUS_SYMBOLS[v];
  }
  return undefined;
}

const RAISED_STATUS: Record<string, number> = {
  'ActiveRecord::RecordNotFound': 404,
  'ActionController::RoutingError': 404,
  'ActionController::BadRequest': 400,
  'ActionController::ParameterMissing': 400,
  'ActiveRecord::RecordInvalid': 422,
  'ActionController::InvalidAuthenticityToken': 422,
  'Sinatra::NotFound': 404,
};

const DB_WRITES = new Set([
  'create',
  'create!',
  'update',
  'update!',
  'update_all',
  'update_column',
  'update_columns',
  'update_attribute',
  'destroy',
  'destroy!',
  'destroy_all',
  'delete',
  'delete_all',
  'save',
  'save!',
  'insert',
  'insert_all',
  'upsert',
  'upsert_all',
  'find_or_create_by',
  'find_or_create_by!',
  'create_or_find_by',
  'increment!',
  'decrement!',
  'toggle!',
  'touch',
]);
const DB_READS = new Set([
  'find',
  'find_by',
  'find_by!',
  'where',
  'all',
  'first',
  'first!',
  'last',
  'order',
  'includes',
  'joins',
  'pluck',
  'count',
  'exists?',
  'find_each',
  'limit',
  'page',
  'sum',
]);
const HTTP_CONSTANTS = /^(Net::HTTP|HTTParty|Faraday|RestClient|HTTP|Excon|Typhoeus|URI)$/;
const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'start', 'get_response', 'post_form', 'request', 'new', 'open']);
const VOLATILE_SOURCES: Array<[RegExp, string]> = [
  [/^(Time\.(now|current)|Time\.zone\.now|DateTime\.(now|current)|Date\.(today|current)|Process\.clock_gettime)$/, 'current time'],
  [/^SecureRandom\.\w+$/, 'random value'],
  [/^(rand|Random\.rand|Random\.new)$/, 'random value'],
];

export interface Scope {
  file: string;
  node: Node;
  /** The class whose methods bare calls resolve against (`""` for main). */
  owner: string;
}

export interface AnalyseOptions {
  /** Path template parameter names of the route, `{id}` → `id`. */
  pathParams: ReadonlySet<string>;
  framework: 'rails' | 'sinatra';
  /** Condition under which the whole scope runs (a filter's `only:` does not count). */
  when?: string;
  depth?: number;
  /** Read only outcomes (for filters). */
  outcomesOnly?: boolean;
  /** Statuses the app answers for its own exception classes (Sinatra's `error NotFoundError do status 404 end`). */
  raised?: ReadonlyMap<string, number>;
}

export interface Analysis {
  params: Param[];
  outcomes: Outcome[];
  side_effects: SideEffect[];
  volatile: Volatile[];
  /** Same-project methods read along the way, for the source hash. */
  helpers: MethodDef[];
  /** Calls inside the handler that look like authorization (`authorize @post`). */
  /** Auth calls in the handler and its helpers: `authenticate!` requires credentials; reading `current_user` alone does not. */
  inlineGuards: Array<{ text: string; evidence: string; required?: boolean }>;
}

export function emptyAnalysis(): Analysis {
  return { params: [], outcomes: [], side_effects: [], volatile: [], helpers: [], inlineGuards: [] };
}

export const AUTH_NAME = /auth|login|sign_in|token|api_key|current_user|authorize|admin/i;
/** Calls that stop a request without credentials (`authenticate!`, `authorize!`, `require_login`, `protected!`). */
const REQUIRING_CALL =
  /^(authenticate[a-z_]*!?|authorize!?|authorize_[a-z_]+!?|require_[a-z_]+!?|verify_[a-z_]+!?|ensure_[a-z_]+!?|login_required!?|protected!)$/;
/** Reading who is signed in, without requiring anyone to be. */
const READS_USER = /^(current_user|current_account|logged_in\?|signed_in\?|user_signed_in\?)$/;
export const AUTHZ_NAME = /authoriz|admin|permission|role|policy|owner|can\?|forbid/i;

export function analyse(index: ClassIndex, scope: Scope, opts: AnalyseOptions, into: Analysis = emptyAnalysis()): Analysis {
  const visited = new Set<string>([key(scope.file, scope.node)]);
  const maxDepth = opts.depth ?? 2;
  const models = modelNames(index);

  const visit = (s: Scope, depth: number, inheritedWhen: string | undefined): void => {
    const locals = localNames(s.node);
    const bodyVars = parsedBodyVariables(s.node);
    const varModels = variableModels(s.node, models);
    for (const node of walkBody(s.node)) {
      const when = () => whenOf(node, s.node) ?? inheritedWhen;

      // Same-project methods the code calls: followed to the bounded depth.
      const callee = resolveCall(index, s.owner, node, locals);
      if (callee && depth < maxDepth) {
        const k = key(callee.file, callee.node);
        if (!visited.has(k)) {
          visited.add(k);
          into.helpers.push(callee);
          visit({ file: callee.file, node: callee.node, owner: callee.owner }, depth + 1, when());
        }
      }
      if (node.type !== 'call' && node.type !== 'identifier' && node.type !== 'element_reference') continue;
      if (node.type === 'identifier' && !isBareCall(node, locals)) continue;
      const name = callName(node) ?? '';
      const recv = node.type === 'call' ? receiver(node) : undefined;
      const recvText = recv?.text;
      const evidence = at(s.file, node);

      // Outcomes.
      const outcome = outcomeOf(node, name, recv, opts.framework, s.node, opts.raised);
      if (outcome) {
        const o: Outcome = { status: outcome.status, evidence };
        const w = when();
        if (w) o.when = w;
        else if (outcome.when) o.when = outcome.when;
        if (outcome.body !== undefined) o.body = outcome.body;
        into.outcomes.push(o);
      }
      if (opts.outcomesOnly) continue;

      if (node.type === 'element_reference') {
        readParamReference(node, s.file, opts, into, bodyVars);
        continue;
      }
      // Authentication and authorization calls inside the handler and the helpers it calls.
      if (!recv && (node.type === 'call' || node.type === 'identifier')) {
        if (REQUIRING_CALL.test(name) && AUTH_NAME.test(name)) into.inlineGuards.push({ text: oneLine(node.text), evidence, required: true });
        else if (READS_USER.test(name)) into.inlineGuards.push({ text: name, evidence, required: false });
      }
      if (node.type !== 'call') continue;
      readParamCall(node, name, recvText, s.file, opts, into);

      // Side effects.
      const effect = sideEffectOf(index, node, name, recv, models, varModels) ?? httpPartyCall(index, s.owner, node, name, recv);
      if (effect) into.side_effects.push({ ...effect, evidence });

      // Volatile values.
      const full = recvText ? `${recvText}.${name}` : name;
      for (const [pattern, reason] of VOLATILE_SOURCES) {
        if (pattern.test(full)) {
          into.volatile.push({ field: volatileField(node, s.node), reason: `${reason} (${full})`, evidence });
        }
      }
    }
  };
  visit(scope, 0, opts.when);
  return into;
}

/** Sort and de-duplicate, so output is stable whatever the discovery order. */
export function finish(a: Analysis): Analysis {
  const by = <T>(items: T[], k: (t: T) => string): T[] => {
    const m = new Map<string, T>();
    for (const i of items) if (!m.has(k(i))) m.set(k(i), i);
    return [...m.values()];
  };
  const ev = (e: string | undefined) => {
    const [file = '', rest = '0'] = (e ?? '').split(/:(?=[\d-]+$)/);
    return `${file}\0${rest.split('-')[0]!.padStart(8, '0')}`;
  };
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return {
    params: by(a.params, (p) => `${p.in}\0${p.name}`).sort((x, y) => cmp(x.in, y.in) || cmp(x.name, y.name)),
    outcomes: by(a.outcomes, (o) => `${o.status}\0${o.when ?? ''}\0${o.evidence ?? ''}`).sort(
      (x, y) => x.status - y.status || cmp(ev(x.evidence), ev(y.evidence)) || cmp(x.when ?? '', y.when ?? ''),
    ),
    side_effects: by(a.side_effects, (e) => `${e.kind}\0${e.target}\0${e.evidence ?? ''}`).sort(
      (x, y) => cmp(x.kind, y.kind) || cmp(x.target, y.target) || cmp(ev(x.evidence), ev(y.evidence)),
    ),
    volatile: by(a.volatile, (v) => `${v.field}\0${v.evidence ?? ''}`).sort((x, y) => cmp(x.field, y.field) || cmp(ev(x.evidence), ev(y.evidence))),
    helpers: a.helpers,
    inlineGuards: by(a.inlineGuards, (g) => `${g.text}\0${g.evidence}`),
  };
}

function key(file: string, node: Node): string {
  return `${file}:${node.startIndex}`;
}

/** Names assigned or bound as parameters inside a scope: a bare identifier with such a name is a variable. */
function localNames(scope: Node): Set<string> {
  const out = new Set<string>();
  for (const n of walkBody(scope)) {
    if (n.type === 'assignment' || n.type === 'operator_assignment') {
      const left = n.childForFieldName('left');
      if (left?.type === 'identifier') out.add(left.text);
    }
    if (n.type === 'method_parameters' || n.type === 'block_parameters' || n.type === 'lambda_parameters') {
      for (const p of n.namedChildren) {
        const id = p.type === 'identifier' ? p : p.childForFieldName('name');
        if (id) out.add(id.text);
      }
    }
    if (n.type === 'exception_variable') out.add(n.text.replace(/^=>\s*/, ''));
  }
  return out;
}

/** A bare identifier that can only be a method call: not a method name, key, parameter or variable. */
function isBareCall(node: Node, locals: Set<string>): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (parent.type === 'call' && parent.childForFieldName('method')?.startIndex === node.startIndex) return false;
  if (parent.type === 'method' || parent.type === 'singleton_method' || parent.type === 'pair') return false;
  if (/parameters$/.test(parent.type) || parent.type === 'exception_variable') return false;
  if (parent.type === 'assignment' && parent.childForFieldName('left')?.startIndex === node.startIndex) return false;
  return !locals.has(node.text);
}

function resolveCall(index: ClassIndex, owner: string, node: Node, locals: Set<string>): MethodDef | undefined {
  if (node.type === 'identifier') return isBareCall(node, locals) ? index.method(owner, node.text) : undefined;
  if (node.type !== 'call') return undefined;
  const name = callName(node);
  if (!name) return undefined;
  const recv = receiver(node);
  if (!recv || recv.type === 'self') return index.method(owner, name);
  const constant = constantName(recv);
  if (constant) return index.singletonMethod(resolveName(index, constant, owner), name);
  // `Const.new(...).method` and `Const.call` service objects.
  if (recv.type === 'call' && callName(recv) === 'new') {
    const c = constantName(receiver(recv));
    if (c) return index.method(resolveName(index, c, owner), name);
  }
  return undefined;
}

function resolveName(index: ClassIndex, constant: string, owner: string): string {
  return index.resolve(constant, owner.split('::'))?.name ?? constant;
}

function modelNames(index: ClassIndex): Set<string> {
  const out = new Set<string>();
  for (const c of index.classes.values()) {
    const chain = [c.superclass ?? '', ...index.superNames(c.name)];
    if (chain.some((s) => /^(ApplicationRecord|ActiveRecord::Base|Sequel::Model|ActiveModel::Model)$/.test(s) || s.startsWith('Sequel::Model')))
      out.add(c.name);
    if (c.includes.some((i) => /^(Mongoid::Document|DataMapper::Resource)$/.test(i))) out.add(c.name);
  }
  return out;
}

/** `@user = User.find(...)`, `post = current_user.posts.build(...)`: variable → model name. */
function variableModels(scope: Node, models: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of walkBody(scope)) {
    if (n.type !== 'assignment') continue;
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (!left || !right || (left.type !== 'identifier' && left.type !== 'instance_variable')) continue;
    const model = modelOfExpression(right, models);
    if (model) out.set(left.text, model);
  }
  return out;
}

function modelOfExpression(node: Node, models: Set<string>): string | undefined {
  let cur: Node | undefined = node;
  while (cur && cur.type === 'call') {
    const r = receiver(cur);
    const c = constantName(r);
    if (c && (models.size === 0 || models.has(c))) return c;
    // current_user.posts.build → Post
    const m = callName(cur);
    if (r && r.type === 'call' && m && /^(build|new|create|create!|find|find_by|find_by!)$/.test(m)) {
      const assoc = callName(r);
      if (assoc) {
        const guess = camelize(singularize(assoc));
        if (models.has(guess)) return guess;
      }
    }
    cur = r;
  }
  return undefined;
}

function modelOfVariable(text: string, models: Set<string>, varModels: Map<string, string>): string | undefined {
  const known = varModels.get(text);
  if (known) return known;
  const bare = text.replace(/^@+/, '');
  if (!/^[a-z_][a-z0-9_]*$/.test(bare)) return undefined;
  const guess = camelize(singularize(bare));
  return models.has(guess) ? guess : undefined;
}

interface RawOutcome {
  status: number;
  body?: Literal;
  when?: string;
}

function outcomeOf(
  node: Node,
  name: string,
  recv: Node | undefined,
  framework: 'rails' | 'sinatra',
  scopeNode: Node,
  raised: ReadonlyMap<string, number> | undefined,
): RawOutcome | undefined {
  if (node.type === 'element_reference') return undefined;
  if (recv && !(name === 'find' || name === 'find_by!' || name === 'require' || name === 'expect')) return undefined;
  const opts = node.type === 'call' ? options(node) : new Map<string, Node>();
  const positional = node.type === 'call' ? args(node) : [];
  if (framework === 'rails') {
    if (name === 'render' && !recv) {
      const explicit = opts.get('status');
      const status = explicit ? statusOf(explicit) : 200;
      if (status === undefined) return undefined;
      const bodyNode = opts.get('json') ?? opts.get('plain') ?? opts.get('body') ?? opts.get('xml');
      const body = bodyNode ? literal(bodyNode, true) : undefined;
      return body === undefined ? { status } : { status, body };
    }
    if ((name === 'send_data' || name === 'send_file') && !recv) {
      const explicit = options(node).get('status');
      return { status: explicit ? (statusOf(explicit) ?? 200) : 200 };
    }
    if (name === 'head' && !recv) {
      const status = statusOf(positional[0]);
      return status === undefined ? undefined : { status };
    }
    if ((name === 'redirect_to' || name === 'redirect_back' || name === 'redirect_back_or_to') && !recv) {
      const explicit = opts.get('status');
      return { status: explicit ? (statusOf(explicit) ?? 302) : 302 };
    }
    if ((name === 'find' || name === 'find_by!') && recv && node.type === 'call') {
      const argText = node.childForFieldName('arguments')?.text ?? '';
      if (/params/.test(argText) && !blockOf(node)) return { status: 404, when: 'record not found' };
    }
    if (name === 'require' && recv?.type === 'identifier' && recv.text === 'params') return { status: 400, when: 'param is missing' };
    if (name === 'expect' && recv?.type === 'identifier' && recv.text === 'params') return { status: 400, when: 'param is missing' };
  } else {
    if (name === 'halt' && !recv) {
      const first = positional[0];
      const status = first ? statusOf(first) : 200;
      if (status === undefined) return { status: 200 };
      const second = positional[1];
      const jsonArgs = second?.type === 'call' && callName(second) === 'json' && !receiver(second) ? second.childForFieldName('arguments') : undefined;
      const body = jsonArgs
        ? args(second!).length === 1
          ? literal(args(second!)[0]!, true)
          : pairsLiteral(jsonArgs.namedChildren, true)
        : second
          ? literal(second, true)
          : undefined;
      return body === undefined ? { status } : { status, body };
    }
    if (name === 'status' && !recv && positional.length === 1) {
      const status = statusOf(positional[0]);
      return status === undefined ? undefined : { status };
    }
    if (name === 'redirect' && !recv) {
      const status = statusOf(positional[1]);
      return { status: status ?? 302 };
    }
    if (name === 'not_found' && !recv) return { status: 404 };
    if ((name === 'json' || name === 'erb' || name === 'haml' || name === 'slim' || name === 'send_file') && !recv && node.type === 'call') {
      // The status a preceding `status NNN` in the same block set, else 200; a body built for a
      // `halt` is that halt's outcome.
      if (precedingStatus(node, scopeNode) || insideCall(node, /^(halt|error|status|redirect)$/)) return undefined;
      const first = positional[0];
      const list = node.childForFieldName('arguments');
      const body = name !== 'json' ? undefined : first ? literal(first, true) : list ? pairsLiteral(list.namedChildren, true) : undefined;
      return body === undefined ? { status: 200 } : { status: 200, body };
    }
  }
  if (name === 'raise' && !recv) {
    const c = constantName(positional[0]) ?? constantName(positional[0]?.type === 'call' ? receiver(positional[0]) : undefined);
    const status = c ? (raised?.get(c) ?? raised?.get(c.replace(/^.*::/, '')) ?? RAISED_STATUS[c]) : undefined;
    return status === undefined ? undefined : { status, when: undefined };
  }
  return undefined;
}

function insideCall(node: Node, names: RegExp): boolean {
  let cur = node.parent;
  while (cur && ['argument_list', 'call', 'pair', 'hash', 'parenthesized_statements', 'array'].includes(cur.type)) {
    if (cur.type === 'call' && names.test(callName(cur) ?? '') && !receiver(cur)) return true;
    cur = cur.parent;
  }
  return false;
}

function precedingStatus(node: Node, scopeNode: Node): boolean {
  // Find the statement list the node's statement belongs to, and look for `status N` before it.
  let stmt: Node | null = node;
  while (stmt && stmt.parent && !['body_statement', 'block_body', 'then', 'else'].includes(stmt.parent.type)) {
    if (stmt.startIndex === scopeNode.startIndex && stmt.type === scopeNode.type) return false;
    stmt = stmt.parent;
  }
  const list = stmt?.parent;
  if (!stmt || !list) return false;
  for (const sibling of list.namedChildren) {
    if (sibling.startIndex >= stmt.startIndex) break;
    if (sibling.type === 'call' && callName(sibling) === 'status' && !receiver(sibling)) return true;
  }
  return false;
}

const NEGATABLE = /^[@A-Za-z_][\w.@!?]*$/;
function negate(text: string): string {
  return NEGATABLE.test(text) ? `!${text}` : `!(${text})`;
}

function contains(outer: Node | null | undefined, inner: Node): boolean {
  return !!outer && outer.startIndex <= inner.startIndex && inner.startIndex < outer.startIndex + outer.text.length;
}

/** The condition of the nearest `if`/`unless`/`case`/`rescue` around `node`, within `stop`. */
export function whenOf(node: Node, stop: Node): string | undefined {
  let child: Node = node;
  let cur = node.parent;
  while (cur && !(cur.startIndex === stop.startIndex && cur.type === stop.type)) {
    const cond = cur.childForFieldName('condition');
    const condText = cond ? oneLine(cond.text) : '';
    switch (cur.type) {
      case 'if':
      case 'elsif':
      case 'ternary':
        if (cond && !contains(cond, child)) return contains(cur.childForFieldName('consequence'), child) ? condText : negate(condText);
        break;
      case 'unless':
        if (cond && !contains(cond, child)) return contains(cur.childForFieldName('consequence'), child) ? negate(condText) : condText;
        break;
      case 'if_modifier':
        if (cond && !contains(cond, child)) return condText;
        break;
      case 'unless_modifier':
        if (cond && !contains(cond, child)) return negate(condText);
        break;
      case 'when': {
        const caseNode = cur.parent;
        const value = caseNode?.childForFieldName('value');
        const patterns = cur.namedChildren.filter((c) => c.type === 'pattern').map((c) => oneLine(c.text));
        if (patterns.length > 0) return value ? `${oneLine(value.text)} in [${patterns.join(', ')}]` : patterns.join(' || ');
        break;
      }
      case 'rescue': {
        const exceptions = cur.childForFieldName('exceptions');
        if (!contains(exceptions, child)) return `rescue ${exceptions ? oneLine(exceptions.text) : 'StandardError'}`;
        break;
      }
    }
    child = cur;
    cur = cur.parent;
  }
  return undefined;
}

function addParam(into: Analysis, param: Param): void {
  into.params.push(param);
}

function paramIn(name: string, opts: AnalyseOptions): Param['in'] {
  return opts.pathParams.has(name) ? 'path' : 'query';
}

/** `payload = JSON.parse(request.body.read)`: variables holding the parsed request body. */
function parsedBodyVariables(scope: Node): Set<string> {
  const out = new Set<string>();
  for (const n of walkBody(scope)) {
    if (n.type !== 'assignment') continue;
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    if (left && right && /^(JSON|Oj|MultiJson)\.(parse|load)\(\s*request\.(body\.read|raw_post)/.test(right.text)) out.add(left.text);
  }
  return out;
}

function readParamReference(node: Node, file: string, opts: AnalyseOptions, into: Analysis, bodyVars: ReadonlySet<string>): void {
  const object = node.childForFieldName('object') ?? node.namedChildren[0];
  const index = node.namedChildren[1];
  if (!object || !index) return;
  const name = stringValue(index);
  if (name === undefined) return;
  const evidence = at(file, node);
  // params[:id] — but not params[:user][:name], whose outer key is the body root.
  if (object.type === 'identifier' && object.text === 'params') {
    if (node.parent?.type === 'element_reference' && node.parent.namedChildren[0]?.startIndex === node.startIndex) {
      return;
    }
    addParam(into, { name, in: paramIn(name, opts), evidence });
    return;
  }
  if (object.type === 'element_reference' && object.namedChildren[0]?.text === 'params') {
    addParam(into, { name, in: 'body', evidence });
    return;
  }
  const objText = object.text;
  if (bodyVars.has(objText) && node.parent?.type !== 'assignment') {
    addParam(into, { name, in: 'body', evidence });
    return;
  }
  if (objText === 'request.headers' || (objText === 'headers' && opts.framework === 'sinatra')) {
    addParam(into, { name, in: 'header', evidence });
    return;
  }
  if (objText === 'request.env' || objText === 'env') {
    const m = /^HTTP_(.+)$/.exec(name);
    if (m) addParam(into, { name: headerName(m[1]!), in: 'header', evidence });
    return;
  }
  if (/^(request\.)?cookies(\.(signed|encrypted|permanent))?$/.test(objText)) {
    addParam(into, { name, in: 'cookie', evidence });
  }
}

function headerName(envName: string): string {
  return envName
    .toLowerCase()
    .split('_')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join('-');
}

function readParamCall(node: Node, name: string, recvText: string | undefined, file: string, opts: AnalyseOptions, into: Analysis): void {
  const evidence = at(file, node);
  if ((name === 'permit' || name === 'expect') && recvText && /^params\b/.test(recvText)) {
    const list = node.childForFieldName('arguments');
    if (!list) return;
    const push = (n: Node) => {
      if (n.type === 'pair') {
        const k = n.childForFieldName('key');
        const v = n.childForFieldName('value');
        const keyName = k ? (stringValue(k) ?? (k.type === 'hash_key_symbol' ? k.text : undefined)) : undefined;
        if (!keyName) return;
        if (name === 'expect' && v && (v.type === 'array' || v.type === 'symbol_array')) {
          // params.expect(user: [:name, :email]): the root key's fields.
          for (const c of v.namedChildren) push(c);
          return;
        }
        const type = v?.type === 'array' && v.namedChildren.length === 0 ? 'array' : v?.type === 'array' || v?.type === 'symbol_array' ? 'object' : undefined;
        addParam(into, type ? { name: keyName, in: 'body', type, evidence } : { name: keyName, in: 'body', evidence });
        return;
      }
      if (n.type === 'hash') {
        for (const c of n.namedChildren) push(c);
        return;
      }
      if (n.type === 'symbol_array' || n.type === 'array') {
        for (const c of n.namedChildren) push(c);
        return;
      }
      const v = stringValue(n);
      if (v !== undefined) addParam(into, { name: v, in: 'body', evidence });
    };
    for (const a of list.namedChildren) push(a);
    return;
  }
  if ((name === 'fetch' || name === 'dig' || name === 'key?' || name === 'has_key?') && recvText === 'params') {
    const first = args(node)[0];
    const v = stringValue(first);
    if (v !== undefined) addParam(into, { name: v, in: paramIn(v, opts), evidence });
    return;
  }
  if ((name === 'fetch' || name === 'key?') && recvText === 'request.headers') {
    const v = stringValue(args(node)[0]);
    if (v !== undefined) addParam(into, { name: v, in: 'header', evidence });
    return;
  }
  if (name === 'authorization' && recvText === 'request') {
    addParam(into, { name: 'Authorization', in: 'header', evidence });
  }
}

function sideEffectOf(
  index: ClassIndex,
  node: Node,
  name: string,
  recv: Node | undefined,
  models: Set<string>,
  varModels: Map<string, string>,
): Omit<SideEffect, 'evidence'> | undefined {
  if (!recv) return undefined;
  const constant = constantName(recv);
  // Mail: UserMailer.welcome(u).deliver_later, UserMailer.with(...).welcome.deliver_now.
  if (/^deliver(_later|_now)?!?$/.test(name)) {
    let cur: Node | undefined = recv;
    let mailMethod: string | undefined;
    while (cur && cur.type === 'call') {
      const r = receiver(cur);
      const c = constantName(r);
      if (!mailMethod && callName(cur) !== 'with') mailMethod = callName(cur);
      if (c) return { kind: 'email', target: mailMethod ? `${c}.${mailMethod}` : c };
      cur = r;
    }
    return { kind: 'email', target: oneLine(recv.text) };
  }
  // Jobs: SomeJob.perform_later, SomeWorker.perform_async, SomeJob.set(wait: 1.hour).perform_later.
  if (/^(perform_later|perform_now|perform_async|perform_in|perform_at|perform_bulk|enqueue)$/.test(name)) {
    const c = constant ?? (recv.type === 'call' ? constantName(receiver(recv)) : undefined);
    return { kind: 'job', target: c ?? oneLine(recv.text) };
  }
  if (constant === 'Resque' && name === 'enqueue') return { kind: 'job', target: stringValue(args(node)[0]) ?? constantName(args(node)[0]) ?? 'Resque' };
  // HTTP clients.
  const httpRoot = constant ?? (recv.type === 'call' ? constantName(receiver(recv)) : undefined);
  if (httpRoot && (HTTP_CONSTANTS.test(httpRoot) || isHttpPartyClass(index, httpRoot)) && HTTP_VERBS.has(name)) {
    if (httpRoot === 'URI' && name !== 'open') return undefined;
    const first = args(node)[0];
    const url =
      stringValue(first) ??
      (first?.type === 'call' && /^(URI|URI\.parse)$/.test(first.childForFieldName('method')?.text ?? '') ? stringValue(args(first)[0]) : undefined);
    return { kind: 'http_call', target: url ? `${name.toUpperCase()} ${url}` : `${httpRoot}.${name}` };
  }
  // Cache.
  if (recv.text === 'Rails.cache' && /^(write|fetch|delete|increment|decrement|write_multi|fetch_multi|delete_matched|read)$/.test(name)) {
    const k = stringValue(args(node)[0]);
    return { kind: 'cache', target: k ? `Rails.cache ${k}` : 'Rails.cache' };
  }
  if (
    (recv.text === '$redis' || recv.text === 'REDIS' || recv.text === 'redis' || recv.text === 'Redis.current') &&
    /^(set|get|incr|decr|del|expire|setex|hset|hget|lpush|rpush|sadd|zadd)$/.test(name)
  ) {
    return { kind: 'cache', target: 'redis' };
  }
  if (constant === 'ActiveSupport::Notifications' && name === 'instrument') {
    return { kind: 'event', target: stringValue(args(node)[0]) ?? 'ActiveSupport::Notifications' };
  }
  if ((constant === 'File' && /^(write|open|delete|rename|binwrite)$/.test(name)) || constant === 'FileUtils') {
    return { kind: 'file', target: `${constant}.${name}` };
  }
  // Databases.
  if (DB_WRITES.has(name) || DB_READS.has(name)) {
    const write = DB_WRITES.has(name);
    if (constant) {
      const known =
        models.has(constant) ||
        (models.size === 0 && !/^(Rails|Time|Date|DateTime|File|JSON|URI|ENV|Hash|Array|SecureRandom|ActiveSupport|Net::HTTP|HTTParty|Faraday)/.test(constant));
      if (known) return { kind: write ? 'db_write' : 'db_read', target: constant };
      return undefined;
    }
    // A record or an association: @user.update(...), current_user.posts.create!(...).
    if (recv.type === 'instance_variable' || recv.type === 'identifier') {
      if (recv.text === 'params' || recv.text === 'session' || recv.text === 'cookies') return undefined;
      const model = modelOfVariable(recv.text, models, varModels);
      if (!write && !model) return undefined;
      if (write && ['delete', 'update', 'insert'].includes(name) && !model && recv.type === 'identifier') return undefined;
      return { kind: write ? 'db_write' : 'db_read', target: model ?? recv.text };
    }
    if (recv.type === 'call') {
      // Chains rooted at a model are reported once, at the model (Model.where(...).update_all is a write).
      const root = chainRoot(recv);
      const c = constantName(root);
      if (c && models.has(c)) return write ? { kind: 'db_write', target: c } : undefined;
      const assoc = callName(recv);
      const guess = assoc ? camelize(singularize(assoc)) : undefined;
      if (guess && models.has(guess)) return { kind: write ? 'db_write' : 'db_read', target: guess };
    }
  }
  return undefined;
}

function chainRoot(node: Node): Node {
  let cur = node;
  while (cur.type === 'call') {
    const r = receiver(cur);
    if (!r) break;
    cur = r;
  }
  return cur;
}

/** `post('/v2/charges', ...)` inside a class that includes HTTParty: a call to its base_uri. */
function httpPartyCall(index: ClassIndex, owner: string, node: Node, name: string, recv: Node | undefined): Omit<SideEffect, 'evidence'> | undefined {
  if (recv || owner === '' || !HTTP_VERBS.has(name) || name === 'new' || name === 'open' || !isHttpPartyClass(index, owner)) return undefined;
  let base = '';
  for (const c of index.ancestors(owner)) {
    for (const st of c.statements) if (callName(st.node) === 'base_uri') base ||= stringValue(args(st.node)[0]) ?? '';
  }
  const path = stringValue(args(node)[0]);
  return { kind: 'http_call', target: path !== undefined ? `${name.toUpperCase()} ${base}${path}` : `${owner}.${name}` };
}

function isHttpPartyClass(index: ClassIndex, name: string): boolean {
  return index.ancestors(name).some((c) => c.includes.includes('HTTParty'));
}

function jsonPathField(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$.${name}` : `$['${name.replace(/'/g, "\\'")}']`;
}

/** The response field a volatile value lands in: the hash key or attribute it is assigned to. */
function volatileField(node: Node, scope: Node): string {
  let cur: Node | null = node;
  for (let i = 0; cur && i < 6; i++) {
    const parent: Node | null = cur.parent;
    if (!parent) break;
    if (parent.type === 'pair' && parent.childForFieldName('value')?.startIndex === cur.startIndex) {
      const k = parent.childForFieldName('key');
      const name = k ? (stringValue(k) ?? (k.type === 'hash_key_symbol' ? k.text : undefined)) : undefined;
      if (name) return jsonPathField(name);
    }
    if (parent.type === 'assignment' && parent.childForFieldName('right')?.startIndex === cur.startIndex) {
      const left = parent.childForFieldName('left');
      if (left?.type === 'call') {
        const attr = callName(left);
        if (attr) return jsonPathField(attr);
      }
      if (left?.type === 'element_reference') {
        const k = stringValue(left.namedChildren[1]);
        if (k) return jsonPathField(k);
      }
      if (left && (left.type === 'identifier' || left.type === 'instance_variable')) {
        // A variable: the key of a hash pair that puts it in the response.
        for (const n of walkBody(scope)) {
          if (n.type === 'pair' && n.childForFieldName('value')?.text === left.text) {
            const k = n.childForFieldName('key');
            const name = k ? (stringValue(k) ?? (k.type === 'hash_key_symbol' ? k.text : undefined)) : undefined;
            if (name) return jsonPathField(name);
          }
        }
        return '$';
      }
      break;
    }
    if (
      parent.type === 'argument_list' ||
      parent.type === 'call' ||
      parent.type === 'element_reference' ||
      parent.type === 'parenthesized_statements' ||
      parent.type === 'binary'
    ) {
      cur = parent;
      continue;
    }
    break;
  }
  return '$';
}

/**
 * What an app answers for its own exception classes: each `<declaration> SomeError ... do ... end`
 * (Sinatra's `error`, Rails' `rescue_from`) in the class or its ancestors, exception class (short
 * name) → the status the first status-setting call of its handler gives. `handlerOf` finds the
 * handler's body (the block, or the method `with:` names); `statusIn` reads a status from one call.
 */
export function exceptionStatuses(
  index: ClassIndex,
  owner: string,
  declaration: string,
  handlerOf: (cls: string, call: Node) => Node | undefined,
  statusIn: (call: Node) => number | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const cls of [...index.ancestors(owner)].reverse()) {
    for (const { node } of cls.statements) {
      if (node.type !== 'call' || callName(node) !== declaration || receiver(node)) continue;
      const body = handlerOf(cls.name, node);
      let status: number | undefined;
      for (const n of body ? walk(body) : []) {
        status = n.type === 'call' && !receiver(n) ? statusIn(n) : undefined;
        if (status !== undefined) break;
      }
      if (status === undefined) continue;
      for (const a of args(node)) {
        const name = constantName(a);
        if (name) out.set(name.replace(/^.*::/, ''), status);
      }
    }
  }
  return out;
}
