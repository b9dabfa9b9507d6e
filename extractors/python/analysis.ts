/**
 * What a Python handler does, read from its body and the same-project functions it calls (to
 * depth 2): outcomes (status codes with the nearest `if` as `when`), side effects (ORM and SQL
 * writes and reads, mail, jobs, outbound HTTP, cache, files), volatile response fields, request
 * fields read through `request.*`, and the source hash. Shared by Flask, Django and FastAPI; the
 * framework only changes a few defaults.
 */
import { endpointSourceHash, type HashedSpan } from '../hash.js';
import type { Outcome, Param, SideEffect, SourceProject, Volatile } from '../types.js';
import {
  at,
  basesOf,
  calleeName,
  classAttributes,
  calleeText,
  definitionNode,
  enclosingClass,
  endLine,
  keyword,
  lastName,
  line,
  methodsOf,
  oneLine,
  positional,
  resolveExpr,
  resolveName,
  same,
  stringTemplate,
  stringValue,
  walk,
  type Node,
  type PyFile,
} from './tree.js';

export type Framework = 'flask' | 'django' | 'fastapi';

export interface FunctionRef {
  py: PyFile;
  node: Node;
}

export interface HandlerInput {
  project: SourceProject;
  framework: Framework;
  handler: FunctionRef;
  /** Guard functions (decorators, dependencies, before_request hooks) scanned as depth-1 helpers. */
  extra?: FunctionRef[];
  /** The status of a plain `return` (FastAPI's decorator `status_code`); 200 when not given. */
  successStatus?: number;
  /**
   * The method this endpoint answers, when the handler serves several: what the handler does under
   * `if request.method == 'POST':` belongs to POST only, and what follows such a branch that always
   * returns belongs to the other methods.
   */
  method?: string;
}

export interface HandlerFacts {
  handler: string;
  outcomes: Outcome[];
  side_effects: SideEffect[];
  volatile: Volatile[];
  params: Param[];
  source_hash: string;
}

const MAX_DEPTH = 2;

export function analyseHandler(input: HandlerInput): HandlerFacts {
  const { project, handler } = input;
  const scanned: { ref: FunctionRef; depth: number }[] = [{ ref: handler, depth: 0 }];
  const id = (r: FunctionRef) => `${r.py.file}:${r.node.startIndex}`;
  const seen = new Set<string>([id(handler)]);
  for (const e of input.extra ?? []) {
    if (seen.has(id(e))) continue;
    seen.add(id(e));
    scanned.push({ ref: e, depth: 1 });
  }
  for (let i = 0; i < scanned.length; i++) {
    const { ref, depth } = scanned[i]!;
    if (depth >= MAX_DEPTH) continue;
    for (const callee of calledFunctions(project, ref)) {
      if (seen.has(id(callee))) continue;
      seen.add(id(callee));
      scanned.push({ ref: callee, depth: depth + 1 });
    }
  }
  const outcomes: Outcome[] = [];
  const effects: SideEffect[] = [];
  const volatile: Volatile[] = [];
  for (const { ref, depth } of scanned) {
    const isHandler = depth === 0;
    scanOutcomes(ref, isHandler, input, outcomes);
    scanEffects(project, ref, depth >= MAX_DEPTH, effects);
    scanVolatile(ref, volatile);
  }
  const spanOf = (ref: FunctionRef): HashedSpan => {
    const def = definitionNode(ref.node);
    return { file: ref.py.file, start: line(def), end: endLine(def), text: def.text };
  };
  const handlerSpan = spanOf(handler);
  return {
    handler: `${handler.py.file}:${handlerSpan.start}-${handlerSpan.end}`,
    outcomes: dedupe(outcomes, (o) => `${o.status}|${o.when ?? ''}|${o.evidence ?? ''}`),
    side_effects: dedupe(effects, (e) => `${e.kind}|${e.target}|${e.evidence ?? ''}`),
    volatile: dedupe(volatile, (v) => `${v.field}|${v.evidence ?? ''}`),
    params: requestParams(handler),
    source_hash: endpointSourceHash(
      handlerSpan,
      scanned.slice(1).map((s) => spanOf(s.ref)),
    ),
  };
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const i of items) if (!m.has(key(i))) m.set(key(i), i);
  return [...m.values()];
}

/** Nodes of a function body, skipping nothing (nested wrappers of decorators count). */
function calls(node: Node): Node[] {
  return node.descendantsOfType('call');
}

/** Same-project functions called by `ref`: `f()`, `mod.f()`, `self.method()` (own class and project bases). */
export function calledFunctions(project: SourceProject, ref: FunctionRef): FunctionRef[] {
  const out: FunctionRef[] = [];
  const body = ref.node.childForFieldName('body');
  if (!body) return out;
  for (const call of calls(body)) {
    const fn = call.childForFieldName('function');
    if (!fn) continue;
    if (fn.type === 'attribute' && fn.childForFieldName('object')?.text === 'self') {
      const name = fn.childForFieldName('attribute')?.text;
      const cls = enclosingClass(ref.node);
      if (name && cls) {
        const m = findMethod(project, ref.py, cls, name);
        if (m) out.push(m);
      }
      continue;
    }
    const sym = resolveExpr(project, ref.py, fn);
    if (sym?.kind === 'function') out.push({ py: sym.py, node: sym.node });
  }
  return out;
}

/** A method of a class or of its project-defined bases. */
export function findMethod(project: SourceProject, py: PyFile, cls: Node, name: string, depth = 0): FunctionRef | undefined {
  const own = methodsOf(cls).get(name);
  if (own) return { py, node: own };
  if (depth > 5) return undefined;
  for (const base of basesOf(cls)) {
    const sym = resolveExpr(project, py, base);
    if (sym?.kind === 'class') {
      const found = findMethod(project, sym.py, sym.node, name, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** The text of the nearest enclosing `if`/`elif`/`else`/`except` of a node, within its function. */
export function whenOf(node: Node): string | undefined {
  let child = node;
  for (let p = node.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (p.type === 'if_statement' || p.type === 'elif_clause') {
      const cond = p.childForFieldName('condition');
      if (!cond) continue;
      if (same(child, p.childForFieldName('consequence'))) return oneLine(cond.text);
      if (child.type === 'else_clause' && p.type === 'if_statement') return `not (${oneLine(cond.text)})`;
    }
    if (p.type === 'except_clause') {
      const caught = p.namedChildren.find((c) => c.type !== 'block' && c.type !== 'comment');
      return caught ? `except ${oneLine(caught.text)}` : 'except';
    }
  }
  return undefined;
}

const HTTP_STATUS_NAMES: Record<string, number> = {
  OK: 200,
  CREATED: 201,
  ACCEPTED: 202,
  NO_CONTENT: 204,
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  NOT_MODIFIED: 304,
  TEMPORARY_REDIRECT: 307,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  UNPROCESSABLE_ENTITY: 422,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** `404`, `status.HTTP_404_NOT_FOUND`, `HTTPStatus.NOT_FOUND` → 404. */
export function statusOf(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  if (node.type === 'integer') {
    const n = Number(node.text);
    return n >= 100 && n <= 599 ? n : undefined;
  }
  if (node.type === 'attribute' || node.type === 'identifier') {
    const m = /HTTP_(\d{3})(_|$)/.exec(node.text);
    if (m) return Number(m[1]);
    const name = node.text.split('.').pop() ?? '';
    if (/^(HTTPStatus|http\.HTTPStatus)\./.test(node.text) || node.text.startsWith('status.')) return HTTP_STATUS_NAMES[name];
  }
  return undefined;
}

/** An f-string as the message it reads as: `f"Refund ({amount}) is too big"` → `Refund (<amount>) is too big`. */
function messageTemplate(node: Node): string | undefined {
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map((c) => stringValue(c) ?? messageTemplate(c));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  let out = '';
  for (const c of node.namedChildren) {
    if (c.type === 'string_content' || c.type === 'escape_sequence') out += c.text;
    else if (c.type === 'interpolation') out += `<${oneLine(c.namedChildren[0]?.text ?? '?')}>`;
  }
  return out;
}

/** A Python literal as JSON, or undefined when any part is not literal. */
export function pyLiteral(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'string':
    case 'concatenated_string':
      return stringValue(node) ?? messageTemplate(node);
    case 'binary_operator': {
      // "Refund %s is negative" % amount
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const format = left ? stringValue(left) : undefined;
      if (format === undefined || !right || node.childForFieldName('operator')?.text !== '%') return undefined;
      const values = right.type === 'tuple' ? right.namedChildren : [right];
      let i = 0;
      return format.replace(
        /%(\([^)]*\))?[-+ #0]*\d*(\.\d+)?[sdifrx]/g,
        (_, key: string | undefined) => `<${key ? key.slice(1, -1) : oneLine(values[i++]?.text ?? '?')}>`,
      );
    }
    case 'integer':
    case 'float': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'true':
      return true;
    case 'false':
      return false;
    case 'none':
      return null;
    case 'unary_operator': {
      const v = pyLiteral(node.namedChildren[0]);
      return typeof v === 'number' && node.text.startsWith('-') ? -v : undefined;
    }
    case 'parenthesized_expression':
      return pyLiteral(node.namedChildren[0]);
    case 'list':
    case 'tuple': {
      const out: unknown[] = [];
      for (const c of node.namedChildren) {
        if (c.type === 'comment') continue;
        const v = pyLiteral(c);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'dictionary': {
      const out: Record<string, unknown> = {};
      for (const c of node.namedChildren) {
        if (c.type === 'comment') continue;
        if (c.type !== 'pair') return undefined;
        const k = stringValue(c.childForFieldName('key'));
        const v = pyLiteral(c.childForFieldName('value') ?? undefined);
        if (k === undefined || v === undefined) return undefined;
        out[k] = v;
      }
      return out;
    }
    case 'call': {
      // "Refund {} is one".format(amount)
      const fn = node.childForFieldName('function');
      const template =
        fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format' ? stringValue(fn.childForFieldName('object')) : undefined;
      if (template !== undefined) {
        const given = node.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
        const positionalArgs = given.filter((a) => a.type !== 'keyword_argument');
        let i = 0;
        return template.replace(/\{([^{}]*)\}/g, (_, key: string) => {
          const byName = given.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === key);
          const arg = byName?.childForFieldName('value') ?? (/^\d+$/.test(key) ? positionalArgs[Number(key)] : key === '' ? positionalArgs[i++] : undefined);
          return `<${oneLine(arg?.text ?? key)}>`;
        });
      }
      // jsonify(...)/dict(...) with keyword or one literal argument.
      const name = calleeName(node);
      if (name !== 'jsonify' && name !== 'dict') return undefined;
      const args = node.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
      if (args.length === 1 && args[0]!.type !== 'keyword_argument') return pyLiteral(args[0]);
      const out: Record<string, unknown> = {};
      for (const a of args) {
        if (a.type !== 'keyword_argument') return undefined;
        const v = pyLiteral(a.childForFieldName('value') ?? undefined);
        if (v === undefined) return undefined;
        out[a.childForFieldName('name')!.text] = v;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Response constructors: default status, and where an explicit status is given. */
const RESPONSES: Record<string, { status: number; kw: string[]; pos?: number; body?: number }> = {
  make_response: { status: 200, kw: ['status'], pos: 1, body: 0 },
  Response: { status: 200, kw: ['status', 'status_code'], pos: 1, body: 0 },
  JsonResponse: { status: 200, kw: ['status'], body: 0 },
  JSONResponse: { status: 200, kw: ['status_code'], pos: 1, body: 0 },
  ORJSONResponse: { status: 200, kw: ['status_code'], pos: 1, body: 0 },
  UJSONResponse: { status: 200, kw: ['status_code'], pos: 1, body: 0 },
  HTMLResponse: { status: 200, kw: ['status_code'], pos: 1 },
  PlainTextResponse: { status: 200, kw: ['status_code'], pos: 1, body: 0 },
  RedirectResponse: { status: 307, kw: ['status_code'], pos: 1 },
  HttpResponse: { status: 200, kw: ['status'], body: 0 },
  render: { status: 200, kw: ['status'] },
  redirect: { status: 302, kw: ['code'], pos: 1 },
  HttpResponseRedirect: { status: 302, kw: [] },
  HttpResponsePermanentRedirect: { status: 301, kw: [] },
  HttpResponseNotModified: { status: 304, kw: [] },
  HttpResponseBadRequest: { status: 400, kw: [], body: 0 },
  HttpResponseForbidden: { status: 403, kw: [], body: 0 },
  HttpResponseNotFound: { status: 404, kw: [], body: 0 },
  HttpResponseNotAllowed: { status: 405, kw: [] },
  HttpResponseGone: { status: 410, kw: [], body: 0 },
  HttpResponseServerError: { status: 500, kw: [], body: 0 },
};

/** Exceptions that become a response when raised. */
const EXCEPTIONS: Record<string, number> = {
  Http404: 404,
  PermissionDenied: 403,
  SuspiciousOperation: 400,
  NotFound: 404,
  NotAuthenticated: 401,
  AuthenticationFailed: 401,
  ParseError: 400,
  MethodNotAllowed: 405,
  Throttled: 429,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  Conflict: 409,
  UnprocessableEntity: 422,
  TooManyRequests: 429,
};

function scanOutcomes(ref: FunctionRef, isHandler: boolean, input: HandlerInput, out: Outcome[]): void {
  const { py, node } = ref;
  const body = node.childForFieldName('body');
  if (!body) return;
  const push = (status: number | undefined, site: Node, bodyValue?: unknown, when?: string) => {
    if (status === undefined) return;
    const o: Outcome = { status };
    const w = when ?? whenOf(site);
    if (w !== undefined) o.when = w;
    if (bodyValue !== undefined) o.body = bodyValue;
    o.evidence = at(py.file, site);
    out.push(o);
  };
  for (const n of walk(body)) {
    if (isHandler && input.method !== undefined && !reachedBy(n, node, input.method)) continue;
    if (n.type === 'raise_statement') {
      const e = n.namedChildren[0];
      if (!e) continue;
      const name = e.type === 'call' ? calleeName(e) : (e.text.split('.').pop() ?? '');
      if (name === 'HTTPException' && e.type === 'call') {
        const status = statusOf(keyword(e, 'status_code') ?? positional(e)[0]);
        const detail = keyword(e, 'detail') ?? positional(e)[1];
        const d = pyLiteral(detail);
        push(status, n, d === undefined ? undefined : input.framework === 'fastapi' ? { detail: d } : d);
      } else if (name === 'ValidationError' && input.framework === 'django' && /serializers\.|exceptions\./.test(e.text)) {
        push(400, n, pyLiteral(e.type === 'call' ? positional(e)[0] : undefined));
      } else if (EXCEPTIONS[name] !== undefined && name !== 'ValidationError') {
        const detail = e.type === 'call' ? pyLiteral(positional(e)[0] ?? keyword(e, 'description') ?? keyword(e, 'detail')) : undefined;
        push(EXCEPTIONS[name], n, detail);
      } else {
        push(raisedStatus(input.project, py, e), n);
      }
      continue;
    }
    if (n.type === 'call') {
      const name = calleeName(n);
      const text = calleeText(n);
      if (name === 'abort' && (text === 'abort' || text === 'flask.abort')) {
        const first = positional(n)[0];
        const desc = keyword(n, 'description') ?? positional(n)[1];
        push(statusOf(first), n, pyLiteral(desc));
      } else if (text === 'self.get_object' && input.framework === 'django') {
        push(404, n, undefined, whenOf(n) ?? 'no object matches the lookup');
      } else if (name === 'is_valid' && keyword(n, 'raise_exception')?.text === 'True') {
        push(400, n, undefined, whenOf(n) ?? 'invalid data');
      } else if (name === 'get_object_or_404' || name === 'get_list_or_404' || /^(get|first|one)_or_404$/.test(name)) {
        push(404, n, undefined, whenOf(n) ?? `not found: ${oneLine(n.text).slice(0, 100)}`);
      } else if (RESPONSES[name] && !(name === 'redirect' && input.framework === 'fastapi')) {
        const spec = RESPONSES[name]!;
        let explicit: Node | undefined;
        for (const k of spec.kw) explicit ??= keyword(n, k);
        if (!explicit && spec.pos !== undefined && name !== 'redirect' && name !== 'render') explicit = positional(n)[spec.pos];
        if (name === 'redirect') explicit = keyword(n, 'code') ?? keyword(n, 'status') ?? (input.framework === 'flask' ? positional(n)[1] : undefined);
        const status = explicit ? statusOf(explicit) : spec.status;
        // Helpers only contribute responses with an explicit status: their 200s are the handler's to return.
        if (!isHandler && !explicit && spec.status < 300) continue;
        if (!isHandler && status !== undefined && status < 300) continue;
        push(status, n, spec.body !== undefined ? pyLiteral(positional(n)[spec.body] ?? keyword(n, 'content') ?? keyword(n, 'data')) : undefined);
      }
      continue;
    }
    if (n.type === 'return_statement' && isHandler) {
      if (!same(enclosingFunctionOf(n), node)) continue;
      const v = n.namedChildren[0];
      if (!v || v.type === 'none') continue;
      if (v.type === 'expression_list' || v.type === 'tuple') {
        const parts = v.namedChildren;
        const status = statusOf(parts[1]);
        if (status !== undefined) {
          push(status, n, pyLiteral(parts[0]));
          continue;
        }
      }
      if (v.type === 'call' && (RESPONSES[calleeName(v)] || calleeName(v) === 'abort')) continue;
      push(input.successStatus ?? 200, n, pyLiteral(v));
    }
  }
}

/**
 * The status a raised project exception answers with: a class with `status_code` (DRF's
 * APIException), `code` (werkzeug's HTTPException) or `status`, or one whose base is a known
 * exception; raised as `Error(...)`, or built by a factory (`ArticleError.not_found(slug)`, a
 * classmethod returning `cls(...)`, or a function returning the error).
 */
function raisedStatus(project: SourceProject, py: PyFile, raised: Node, depth = 0): number | undefined {
  if (depth > 4) return undefined;
  const target = raised.type === 'call' ? raised.childForFieldName('function') : raised;
  if (!target) return undefined;
  const sym = resolveExpr(project, py, target);
  if (sym?.kind === 'class') return exceptionClassStatus(project, sym.py, sym.node, 0);
  if (sym?.kind === 'function') {
    for (const ret of sym.node.descendantsOfType('return_statement')) {
      const value = ret.namedChildren[0];
      const n = value ? raisedStatus(project, sym.py, value, depth + 1) : undefined;
      if (n !== undefined) return n;
    }
    return undefined;
  }
  // Cls.factory(...): a classmethod or staticmethod of an exception class builds it.
  const owner = target.type === 'attribute' ? target.childForFieldName('object') : undefined;
  const cls = owner ? resolveExpr(project, py, owner) : undefined;
  return cls?.kind === 'class' ? exceptionClassStatus(project, cls.py, cls.node, 0) : undefined;
}

function exceptionClassStatus(project: SourceProject, py: PyFile, cls: Node, depth: number): number | undefined {
  if (depth > 6) return undefined;
  const attrs = classAttributes(cls);
  for (const key of ['status_code', 'code', 'status']) {
    const n = statusOf(attrs.get(key));
    if (n !== undefined) return n;
  }
  for (const base of basesOf(cls)) {
    const known = EXCEPTIONS[lastName(base)];
    if (known !== undefined) return known;
    const sym = resolveExpr(project, py, base);
    const n = sym?.kind === 'class' ? exceptionClassStatus(project, sym.py, sym.node, depth + 1) : undefined;
    if (n !== undefined) return n;
  }
  return undefined;
}

/** `request.method == 'POST'`, `request.method in ('PUT', 'PATCH')`, their negations: true/false for `method`, undefined for any other condition. */
function methodTest(condition: Node, method: string): boolean | undefined {
  const m = /^\s*(?:self\.)?request\.method\s*(==|!=|not\s+in|in)\s*(.+?)\s*$/s.exec(condition.text);
  if (!m) return undefined;
  const named = [...m[2]!.matchAll(/['"]([A-Za-z]+)['"]/g)].map((x) => x[1]!.toUpperCase());
  if (named.length === 0) return undefined;
  const hit = named.includes(method.toUpperCase());
  return m[1] === '==' || m[1] === 'in' ? hit : !hit;
}

/** Whether a request with `method` can reach `node` in `fn`, as far as `request.method` tests say. */
function reachedBy(node: Node, fn: Node, method: string): boolean {
  for (let child = node, p = node.parent; p && !same(p, fn); child = p, p = p.parent) {
    if (p.type === 'if_statement' || p.type === 'elif_clause') {
      const cond = p.childForFieldName('condition');
      const test = cond ? methodTest(cond, method) : undefined;
      if (test === false && same(child, p.childForFieldName('consequence'))) return false;
      if (test === true && child.type === 'else_clause') return false;
    }
    // An earlier `if request.method == ...:` of this method whose branch always returns ends the way here.
    if (p.type === 'block' || p.type === 'module') {
      for (const sibling of p.namedChildren) {
        if (same(sibling, child)) break;
        if (sibling.type !== 'if_statement' || sibling.namedChildren.some((c) => c.type === 'elif_clause' || c.type === 'else_clause')) continue;
        const cond = sibling.childForFieldName('condition');
        const last = sibling.childForFieldName('consequence')?.namedChildren.at(-1);
        if (cond && methodTest(cond, method) === true && (last?.type === 'return_statement' || last?.type === 'raise_statement')) return false;
      }
    }
  }
  return true;
}

function enclosingFunctionOf(n: Node): Node | undefined {
  for (let p = n.parent; p; p = p.parent) if (p.type === 'function_definition' || p.type === 'lambda') return p;
  return undefined;
}

const QS_WRITES = new Set(['create', 'create_user', 'create_superuser', 'update', 'delete', 'bulk_create', 'bulk_update', 'get_or_create', 'update_or_create']);
const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request', 'send', 'stream']);
const CACHE_WRITES = new Set([
  'set',
  'add',
  'delete',
  'incr',
  'decr',
  'setex',
  'expire',
  'hset',
  'hdel',
  'lpush',
  'rpush',
  'sadd',
  'set_many',
  'delete_many',
  'get_or_set',
  'touch',
  'incrby',
]);

/** Local `name = value` assignments and `with X as name` bindings of a function. */
function localBindings(fn: Node): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of walk(fn)) {
    if (n.type === 'assignment') {
      const l = n.childForFieldName('left');
      const r = n.childForFieldName('right');
      if (l?.type === 'identifier' && r && !m.has(l.text)) m.set(l.text, r);
    } else if (n.type === 'as_pattern') {
      const alias = n.childForFieldName('alias');
      const value = n.namedChildren[0];
      const name = alias?.namedChildren[0]?.type === 'identifier' ? alias.namedChildren[0] : alias;
      if (name?.type === 'identifier' && value && !m.has(name.text)) m.set(name.text, value);
    }
  }
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    const type = p.childForFieldName('type');
    const name = p.type === 'typed_parameter' ? p.namedChildren[0] : p.childForFieldName('name');
    if (type && name && !m.has(name.text)) m.set(name.text, type);
  }
  return m;
}

const unwrapAwait = (n: Node): Node => (n.type === 'await' ? (n.namedChildren[0] ?? n) : n);

/** The model a value stands for: `Order(...)`, `Order.objects.get(...)`, `get_object_or_404(Order, ...)`, `session.get(Order, id)`. */
function modelOf(value: Node | undefined, bindings: Map<string, Node>, depth = 0): string | undefined {
  if (!value || depth > 3) return undefined;
  const v = unwrapAwait(value);
  if (v.type === 'identifier') {
    if (/^[A-Z]/.test(v.text)) return v.text;
    return modelOf(bindings.get(v.text), bindings, depth + 1);
  }
  if (v.type === 'type') return /^[A-Z]\w*$/.test(v.text) ? v.text : undefined;
  const m = /^([A-Z]\w*)\.(objects|query)\b/.exec(v.text);
  if (m) return m[1];
  if (v.type === 'call') {
    const fnText = calleeText(v);
    const name = calleeName(v);
    if (/^[A-Z]\w*$/.test(fnText)) return fnText;
    if (/^[a-z_.]*\.?[A-Z]\w*$/.test(fnText) && /^[A-Z]/.test(name)) return name;
    if (name === 'get_object_or_404' || name === 'get' || name === 'get_or_404' || name === 'query') {
      const first = positional(v)[0];
      if (first && /^[A-Z]\w*$/.test(first.text)) return first.text;
    }
    const inner = v.childForFieldName('function');
    if (inner?.type === 'attribute') return modelOf(inner.childForFieldName('object') ?? undefined, bindings, depth + 1);
  }
  return undefined;
}

/**
 * The model a bare `session.commit()` saves: the model of an instance whose attributes the
 * function assigns (`order.status = ...`), else the first model it reads or adds.
 */
function committedModel(body: Node, bindings: Map<string, Node>): string | undefined {
  for (const n of walk(body)) {
    if (n.type !== 'assignment') continue;
    const left = n.childForFieldName('left');
    const obj = left?.type === 'attribute' ? left.childForFieldName('object') : undefined;
    if (obj?.type !== 'identifier' || /^[A-Z]/.test(obj.text)) continue;
    const model = modelOf(obj, bindings);
    if (model) return model;
  }
  for (const call of calls(body)) {
    const object = call.childForFieldName('function')?.childForFieldName('object');
    const qs = object ? /^([A-Z]\w*)\.(objects|query)$/.exec(object.text) : null;
    if (qs) return qs[1];
    const name = calleeName(call);
    if (!object || !(/(^|\.)session$/.test(object.text) || object.text === 'db')) continue;
    const first = positional(call)[0];
    if (['get', 'query', 'get_or_404', 'scalars', 'scalar'].includes(name) && first && /^[A-Z]\w*$/.test(first.text)) return first.text;
    if (['add', 'delete', 'merge'].includes(name)) {
      const model = modelOf(first, bindings);
      if (model) return model;
    }
  }
  return undefined;
}

/**
 * A URL argument's text, with f-string interpolations of module-level string constants (in this
 * module or imported from another) replaced by their value; other interpolations stay `{expr}`.
 */
function urlTemplate(project: SourceProject, py: PyFile, node: Node, bindings: Map<string, Node>): string | undefined {
  const constant = (name: string): string | undefined => {
    if (bindings.has(name)) return undefined;
    const sym = resolveName(project, py, name);
    return sym?.kind === 'value' ? stringValue(sym.node) : undefined;
  };
  if (node.type === 'identifier') return constant(node.text);
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map((c) => urlTemplate(project, py, c, bindings));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  return node.namedChildren
    .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence' || c.type === 'interpolation')
    .map((c) => {
      if (c.type !== 'interpolation') return c.text;
      const expr = c.namedChildren[0];
      const plain = c.namedChildren.length === 1 && expr?.type === 'identifier';
      return (plain ? constant(expr.text) : undefined) ?? c.text;
    })
    .join('');
}

/** SQL text → the statement kind and its table. */
function sqlEffect(sql: string): { kind: 'db_write' | 'db_read'; table: string } | undefined {
  const s = sql.replace(/\s+/g, ' ').trim();
  let m = /^(?:insert|replace)\s+(?:or\s+\w+\s+)?into\s+[`"[]?([\w.]+)/i.exec(s);
  if (m) return { kind: 'db_write', table: m[1]! };
  m = /^update\s+[`"[]?([\w.]+)/i.exec(s);
  if (m) return { kind: 'db_write', table: m[1]! };
  m = /^delete\s+from\s+[`"[]?([\w.]+)/i.exec(s);
  if (m) return { kind: 'db_write', table: m[1]! };
  m = /^(?:with\b.*?\)\s*)?select\b.*?\bfrom\s+[`"[]?([\w.]+)/i.exec(s);
  if (m) return { kind: 'db_read', table: m[1]! };
  return undefined;
}

function sqlOf(arg: Node | undefined, bindings: Map<string, Node>, py: PyFile): string | undefined {
  if (!arg) return undefined;
  if (arg.type === 'call' && calleeName(arg) === 'text') return sqlOf(positional(arg)[0], bindings, py);
  if (arg.type === 'identifier') {
    const bound = bindings.get(arg.text) ?? py.assignments.get(arg.text);
    return bound && bound.type !== 'identifier' ? sqlOf(bound, bindings, py) : undefined;
  }
  return stringTemplate(arg);
}

function scanEffects(project: SourceProject, ref: FunctionRef, atMaxDepth: boolean, out: SideEffect[]): void {
  const { py, node } = ref;
  const body = node.childForFieldName('body');
  if (!body) return;
  const bindings = localBindings(node);
  const push = (kind: SideEffect['kind'], target: string | undefined, site: Node) => {
    if (!target) return;
    out.push({ kind, target: oneLine(target), evidence: at(py.file, site) });
  };
  const hasSessionWrite = calls(body).some((c) => /(^|\.)(session|db)\.(add|add_all|delete|merge)$/.test(calleeText(c)));
  for (const call of calls(body)) {
    const fn = call.childForFieldName('function');
    if (!fn) continue;
    const name = calleeName(call);
    const text = fn.text;
    const object = fn.type === 'attribute' ? (fn.childForFieldName('object') ?? undefined) : undefined;
    const objectText = object?.text ?? '';
    const args = positional(call);
    const urlArg = () => {
      const u = args[0] ?? keyword(call, 'url');
      return u ? (urlTemplate(project, py, u, bindings) ?? u.text) : text;
    };

    // ORM: Model.objects.<method>(...) / Model.query.<method>(...), judged by the whole chain.
    const qs = /^([A-Z]\w*)\.(objects|query)$/.exec(objectText);
    if (qs) {
      const chain = [name];
      let cur: Node = call;
      while (cur.parent?.type === 'attribute' && cur.parent.parent?.type === 'call') {
        chain.push(cur.parent.childForFieldName('attribute')?.text ?? '');
        cur = cur.parent.parent;
      }
      const write = chain.some((m) => QS_WRITES.has(m));
      if (name !== 'raw') push(write ? 'db_write' : 'db_read', qs[1], call);
      else {
        const sql = sqlOf(args[0], bindings, py);
        const e = sql ? sqlEffect(sql) : undefined;
        if (e) push(e.kind, e.table, call);
      }
      continue;
    }
    if (/(^|\.)session$/.test(objectText) || objectText === 'db') {
      if (['add', 'delete', 'merge'].includes(name)) {
        push('db_write', modelOf(args[0], bindings) ?? args[0]?.text, call);
        continue;
      }
      if (name === 'add_all') {
        push('db_write', args[0]?.text, call);
        continue;
      }
      if (name === 'commit' && !hasSessionWrite) {
        push('db_write', committedModel(body, bindings) ?? objectText, call);
        continue;
      }
      if (
        (name === 'get' || name === 'query' || name === 'get_or_404' || name === 'scalars' || name === 'scalar') &&
        args[0] &&
        /^[A-Z]\w*$/.test(args[0].text)
      ) {
        push('db_read', args[0].text, call);
        continue;
      }
    }
    if (name === 'get_object_or_404' || name === 'get_list_or_404') {
      const m = args[0] && /^[A-Z]\w*/.exec(args[0].text);
      if (m) push('db_read', m[0], call);
      continue;
    }
    if (name === 'execute' || name === 'executemany' || name === 'executescript') {
      const sql = sqlOf(args[0], bindings, py);
      const e = sql ? sqlEffect(sql) : undefined;
      if (e) push(e.kind, e.table, call);
      continue;
    }
    // Mail.
    if (['send_mail', 'send_mass_mail', 'mail_admins', 'mail_managers'].includes(text)) {
      push('email', text, call);
      continue;
    }
    if (/(^|\.)mail$/.test(objectText) && (name === 'send' || name === 'send_message')) {
      push('email', text, call);
      continue;
    }
    if (name === 'send' && object) {
      const origin = object.type === 'call' ? object : bindings.get(objectText);
      const cls = origin?.type === 'call' ? calleeName(origin) : '';
      if (/^(EmailMessage|EmailMultiAlternatives|Message)$/.test(cls)) {
        push('email', cls, call);
        continue;
      }
    }
    if ((name === 'send_message' || name === 'sendmail') && object) {
      const origin = bindings.get(objectText);
      if (/smtp|mail/i.test(objectText) || (origin && /^smtplib\./.test(unwrapAwait(origin).text))) {
        push('email', origin && /^smtplib\./.test(origin.text) ? (origin.text.split('(')[0] ?? objectText) : text, call);
        continue;
      }
    }
    // Jobs.
    if (name === 'delay' || name === 'apply_async' || name === 'apply') {
      if (object && name !== 'apply') push('job', objectText, call);
      if (name !== 'apply') continue;
    }
    if (name === 'send_task' || name === 'enqueue' || name === 'enqueue_call' || name === 'enqueue_in' || name === 'add_task') {
      const target = name === 'enqueue_in' ? args[1] : args[0];
      push('job', target ? (stringValue(target) ?? target.text) : text, call);
      continue;
    }
    // Outbound HTTP.
    if (/^(requests|httpx|urllib3)\.\w+$/.test(text) && HTTP_VERBS.has(name)) {
      push('http_call', urlArg(), call);
      continue;
    }
    if (name === 'urlopen') {
      push('http_call', urlArg(), call);
      continue;
    }
    if (object?.type === 'identifier' && HTTP_VERBS.has(name)) {
      const origin = bindings.get(object.text);
      if (origin && /^(requests\.Session|httpx\.(Async)?Client)\b/.test(unwrapAwait(origin).text)) {
        push('http_call', urlArg(), call);
        continue;
      }
    }
    // Cache and events.
    if (object && /cache|redis/i.test(objectText.split('.').pop() ?? '') && CACHE_WRITES.has(name)) {
      push('cache', args[0] ? (stringTemplate(args[0]) ?? args[0].text) : objectText, call);
      continue;
    }
    if (name === 'publish' && object) {
      push('event', args[0] ? (stringValue(args[0]) ?? args[0].text) : objectText, call);
      continue;
    }
    // Files.
    if (text === 'open' && /[wax]/.test(stringValue(args[1] ?? keyword(call, 'mode')) ?? '')) {
      push('file', args[0]?.text, call);
      continue;
    }
    // Model instances: obj.save() / obj.delete() (a positional argument makes save() a file upload).
    if ((name === 'save' || name === 'delete') && object && !/cache|redis/i.test(objectText)) {
      if (name === 'save' && args.length > 0) push('file', args[0]!.text, call);
      else push('db_write', modelOf(object, bindings) ?? objectText, call);
      continue;
    }
    // A call named like mail sending that is not a project function we already follow.
    if (/(send|deliver|notify).*mail|mail.*(send|deliver)/i.test(name)) {
      const sym = fn.type === 'identifier' || fn.type === 'attribute' ? resolveExpr(project, py, fn) : undefined;
      if (sym?.kind !== 'function' || atMaxDepth) push('email', text, call);
    }
  }
}

const VOLATILE: { re: RegExp; reason: string }[] = [
  { re: /^(datetime\.)?datetime\.(now|utcnow|today)$|^datetime\.(now|utcnow|today)$|^timezone\.now$|^date\.today$/, reason: 'current time' },
  { re: /^time\.(time|time_ns|monotonic)$/, reason: 'current time' },
  { re: /^(uuid\.)?uuid[14]$/, reason: 'random uuid' },
  { re: /^secrets\.(token_hex|token_urlsafe|token_bytes|randbelow|choice)$/, reason: 'random token' },
  { re: /^os\.urandom$/, reason: 'random bytes' },
  { re: /^random\.\w+$/, reason: 'random value' },
];

function scanVolatile(ref: FunctionRef, out: Volatile[]): void {
  const body = ref.node.childForFieldName('body');
  if (!body) return;
  for (const call of calls(body)) {
    const text = calleeText(call);
    const v = VOLATILE.find((x) => x.re.test(text));
    if (!v) continue;
    // A generator with a literal seed (`random.Random(42)`) gives the same numbers every run.
    if (/(^|\.)Random$/.test(text) && positional(call).some((a) => a.type === 'integer' || a.type === 'string')) continue;
    // A header's value (`resp.headers['X-Request-Id'] = ...`) is not the body.
    if (inHeaderAssignment(call)) continue;
    out.push({ field: fieldOf(call), reason: `${v.reason}: ${text}()`, evidence: at(ref.py.file, call) });
  }
}

/** Whether a value is assigned into a response's headers: `resp.headers['X'] = v` (not `resp['id'] = v`: a dict named resp is often the body). */
function inHeaderAssignment(node: Node): boolean {
  for (let child = node, p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'assignment') {
      const left = p.childForFieldName('left');
      return same(child, p.childForFieldName('right')) && left?.type === 'subscript' && /\.headers$/.test(left.childForFieldName('value')?.text ?? '');
    }
    if (['expression_statement', 'return_statement', 'block', 'function_definition'].includes(p.type)) return false;
  }
  return false;
}

/** The response field a volatile value lands in: the dict key, keyword or attribute it is assigned to, else `$`. */
function fieldOf(node: Node): string {
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'pair' && same(child, p.childForFieldName('value'))) {
      const k = stringValue(p.childForFieldName('key'));
      return k && /^[A-Za-z_]\w*$/.test(k) ? `$.${k}` : '$';
    }
    if (p.type === 'keyword_argument') {
      const k = p.childForFieldName('name')?.text;
      return k ? `$.${k}` : '$';
    }
    if (p.type === 'assignment') {
      const l = p.childForFieldName('left');
      if (l?.type === 'attribute') return `$.${l.childForFieldName('attribute')?.text ?? ''}`.replace(/\.$/, '');
      if (l?.type === 'subscript') {
        const k = stringValue(l.childForFieldName('subscript'));
        if (k && /^[A-Za-z_]\w*$/.test(k)) return `$.${k}`;
      }
      return '$';
    }
    if (['expression_statement', 'return_statement', 'block', 'function_definition'].includes(p.type)) return '$';
  }
  return '$';
}

/** Request fields a Flask or Django handler reads: `request.args.get('q')`, `request.GET['page']`, `request.data.get('email')`. */
function requestParams(ref: FunctionRef): Param[] {
  const body = ref.node.childForFieldName('body');
  if (!body) return [];
  const SOURCES: Record<string, Param['in']> = {
    'request.args': 'query',
    'request.GET': 'query',
    'request.query_params': 'query',
    'request.form': 'body',
    'request.json': 'body',
    'request.POST': 'body',
    'request.data': 'body',
    'request.files': 'body',
    'request.FILES': 'body',
    'request.headers': 'header',
    'request.META': 'header',
    'request.cookies': 'cookie',
    'request.COOKIES': 'cookie',
  };
  // Locals holding the JSON body: `data = request.get_json()`, `payload = json.loads(request.body)`.
  const bodyVars = new Set<string>();
  // Locals holding a request source through a wrapper: `args = CaseInsensitiveDict(request.args.items())`, `q = dict(request.GET)`.
  const aliases = new Map<string, Param['in']>();
  for (const n of walk(body)) {
    if (n.type !== 'assignment') continue;
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (l?.type !== 'identifier' || !r) continue;
    if (/^(request\.(get_json\(.*\)|json|data)|json\.loads\(request\.(body|data)\))$/s.test(r.text.replace(/\s+/g, ''))) bodyVars.add(l.text);
    else if (SOURCES[r.text]) aliases.set(l.text, SOURCES[r.text]!);
    else if (r.type === 'call') {
      const wrapped = /^[\w.]+\(\s*(request\.\w+)(\.(items|to_dict|lists)\(\))?\s*\)$/s.exec(r.text);
      const where = wrapped ? SOURCES[wrapped[1]!] : undefined;
      if (where) aliases.set(l.text, where);
    }
  }
  const out: Param[] = [];
  const add = (source: string, key: string | undefined, required: boolean, site: Node, type?: string) => {
    let where = SOURCES[source] ?? aliases.get(source);
    if (!where && bodyVars.has(source)) where = 'body';
    if (!where || !key) return;
    let name = key;
    if (source === 'request.META') {
      if (!name.startsWith('HTTP_')) return;
      name = name.slice(5).replace(/_/g, '-');
    }
    if (out.some((p) => p.name === name && p.in === where)) return;
    const p: Param = { name, in: where, required, evidence: at(ref.py.file, site) };
    if (type) p.type = type;
    out.push(p);
  };
  for (const n of walk(body)) {
    if (n.type === 'subscript') {
      const v = n.childForFieldName('value');
      const key = stringValue(n.childForFieldName('subscript'));
      if (v) add(v.text, key, true, n);
    } else if (n.type === 'call') {
      const fn = n.childForFieldName('function');
      if (fn?.type !== 'attribute') continue;
      const method = fn.childForFieldName('attribute')?.text;
      const obj = fn.childForFieldName('object')?.text ?? '';
      if (method !== 'get' && method !== 'getlist') continue;
      const t = keyword(n, 'type')?.text;
      const type = t === 'int' ? 'integer' : t === 'float' ? 'number' : t === 'bool' ? 'boolean' : method === 'getlist' ? 'array' : undefined;
      add(obj, stringValue(positional(n)[0]), false, n, type);
    }
  }
  return out;
}

/** A function's project symbol by name, for guard functions referenced by name (decorators, dependencies). */
export function functionRef(project: SourceProject, py: PyFile, expr: Node | undefined): FunctionRef | undefined {
  if (!expr) return undefined;
  const target = expr.type === 'call' ? expr.childForFieldName('function') : expr;
  if (!target) return undefined;
  const sym = target.type === 'identifier' ? resolveName(project, py, target.text) : resolveExpr(project, py, target);
  return sym?.kind === 'function' ? { py: sym.py, node: sym.node } : undefined;
}
