/**
 * What a Go handler does, read from its body and the same-project functions it calls (to depth
 * 2): params, outcomes, side effects, volatile fields, and the source hash over the same spans.
 * Framework-neutral: net/http's `w`/`r` and gin's/echo's context calls are recognised by shape.
 */
import { endpointSourceHash, type HashedSpan } from '../hash.js';
import type { Outcome, Param, SideEffect, Volatile } from '../types.js';
import { constString, findStruct, resolveCall, TypeEnv, typeName, type GoIndex } from './project.js';
import { ECHO_ERRORS, HTTP_STATUS } from './status.js';
import { args, at, calleeName, calleeOperand, endLine, line, oneLine, span, stringValue, type GoFile, type Node } from './tree.js';

/** A function-like node: function_declaration, method_declaration or func_literal. */
export interface CodeRef {
  file: GoFile;
  node: Node;
}

export interface HandlerFacts {
  handler: string;
  params: Param[];
  outcomes: Outcome[];
  side_effects: SideEffect[];
  volatile: Volatile[];
  source_hash: string;
}

/** How deep the helpers a handler calls are followed. */
export const HELPER_DEPTH = 2;

interface Fn extends CodeRef {
  env: TypeEnv;
  depth: number;
}

const FUNCTION_NODES = new Set(['function_declaration', 'method_declaration']);

const envs = new WeakMap<Node, TypeEnv>();
export function envFor(index: GoIndex, file: GoFile, node: Node): TypeEnv {
  let top: Node = node;
  while (!FUNCTION_NODES.has(top.type) && top.parent && top.parent.type !== 'source_file') top = top.parent;
  if (!FUNCTION_NODES.has(top.type)) top = node;
  let env = envs.get(top);
  if (!env) {
    env = new TypeEnv(index, file, top);
    envs.set(top, env);
  }
  return env;
}

function collect(index: GoIndex, root: CodeRef, maxDepth: number): Fn[] {
  const fns: Fn[] = [{ ...root, env: envFor(index, root.file, root.node), depth: 0 }];
  const seen = new Set([span(root.file.file, root.node)]);
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i]!;
    if (f.depth >= maxDepth) continue;
    for (const call of f.node.descendantsOfType('call_expression')) {
      const d = resolveCall(f.env, call);
      if (!d) continue;
      const key = span(d.file.file, d.node);
      if (seen.has(key)) continue;
      seen.add(key);
      fns.push({ file: d.file, node: d.node, env: envFor(index, d.file, d.node), depth: f.depth + 1 });
    }
  }
  return fns;
}

/**
 * `method`: the handler dispatches on `switch r.Method` itself and this endpoint is that method:
 * the cases for other methods are not read (the default case, 405, is).
 */
export function analyzeHandler(
  index: GoIndex,
  handler: CodeRef,
  middleware: readonly CodeRef[],
  method?: string,
  wrappers: readonly CodeRef[] = [],
): HandlerFacts {
  const fns = collect(index, handler, HELPER_DEPTH);
  const params: Param[] = [];
  const outcomes: Outcome[] = [];
  const effects: SideEffect[] = [];
  const volatile: Volatile[] = [];
  const covered = new Set<string>();
  const bodyWrites: string[] = [];

  const guardOutcomes: Outcome[] = [];
  for (const m of middleware) {
    for (const f of collect(index, m, 1)) readOutcomes(f, guardOutcomes, []);
  }
  // A wrapper's own answers (a method filter's 405); the handler it calls is read as the handler.
  for (const w of wrappers) readOutcomes({ ...w, env: envFor(index, w.file, w.node), depth: 1 }, guardOutcomes, []);
  for (const f of fns) {
    readParams(index, f, params);
    readOutcomes(f, outcomes, bodyWrites, f === fns[0] ? method : undefined);
    readSideEffects(index, f, effects, covered);
    readVolatile(index, f, volatile);
  }
  if (!outcomes.some((o) => o.status < 400) && bodyWrites[0]) outcomes.push({ status: 200, evidence: bodyWrites[0] });
  outcomes.unshift(...guardOutcomes);

  const hashed = (f: CodeRef): HashedSpan => ({ file: f.file.file, start: line(f.node), end: endLine(f.node), text: f.node.text });
  return {
    handler: `${handler.file.file}:${line(handler.node)}-${endLine(handler.node)}`,
    params: uniqueBy(params, (p) => `${p.in}\0${p.name}`),
    outcomes: uniqueBy(outcomes, (o) => `${o.status}\0${o.when ?? ''}\0${o.evidence ?? ''}`),
    side_effects: uniqueBy(effects, (e) => `${e.kind}\0${e.target}\0${e.evidence ?? ''}`),
    volatile: uniqueBy(volatile, (v) => `${v.field}\0${v.evidence ?? ''}`),
    source_hash: endpointSourceHash(hashed(handler), fns.slice(1).map(hashed)),
  };
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/* ----------------------------------------------------------------------------- params */

const BODY_BINDERS = new Set([
  'ShouldBindJSON',
  'BindJSON',
  'ShouldBind',
  'Bind',
  'ShouldBindWith',
  'MustBindWith',
  'ShouldBindBodyWith',
  'Unmarshal',
  'Decode',
]);

function readParams(index: GoIndex, f: Fn, out: Param[]): void {
  const file = f.file.file;
  const queryVars = new Set<string>();
  for (const decl of f.node.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
    const right = decl.childForFieldName('right')?.namedChildren[0];
    const left = decl.childForFieldName('left')?.namedChildren[0];
    if (right && left?.type === 'identifier' && /\.URL\.Query\(\)$|\.QueryParams\(\)$/.test(right.text)) queryVars.add(left.text);
  }
  for (const call of f.node.descendantsOfType('call_expression')) {
    const name = calleeName(call);
    const operand = calleeOperand(call);
    const a = args(call);
    const lit = (i: number) => {
      const n = a[i];
      return n ? constString(f.env.index, f.file, n) : undefined;
    };
    const add = (p: Param) => out.push({ ...p, evidence: at(file, call) });
    const typed = (): { type?: string } => {
      const parent = call.parent?.parent;
      if (parent?.type === 'call_expression' && /strconv\.(Atoi|ParseInt|ParseUint)/.test(parent.childForFieldName('function')?.text ?? ''))
        return { type: 'integer' };
      if (parent?.type === 'call_expression' && /strconv\.ParseBool/.test(parent.childForFieldName('function')?.text ?? '')) return { type: 'boolean' };
      if (parent?.type === 'call_expression' && /strconv\.ParseFloat/.test(parent.childForFieldName('function')?.text ?? '')) return { type: 'number' };
      return {};
    };
    if (!name) continue;
    const otext = operand?.text ?? '';
    for (const p of wrappedParams(f, call)) add(p);
    if (name === 'PathValue' && lit(0) !== undefined) add({ name: lit(0)!, in: 'path', required: true, ...typed() });
    else if (name === 'URLParam' && otext === 'chi' && lit(1) !== undefined) add({ name: lit(1)!, in: 'path', required: true, ...typed() });
    else if (name === 'Param' && operand && lit(0) !== undefined && a.length === 1) add({ name: lit(0)!, in: 'path', required: true, ...typed() });
    else if (name === 'Get' && (/\.URL\.Query\(\)$|\.QueryParams\(\)$/.test(otext) || queryVars.has(otext)) && lit(0) !== undefined)
      add({ name: lit(0)!, in: 'query', ...typed() });
    else if (['Query', 'DefaultQuery', 'QueryParam', 'GetQuery', 'QueryArray'].includes(name) && operand && lit(0) !== undefined && !isSqlCall(call))
      add({ name: lit(0)!, in: 'query', ...typed() });
    else if (name === 'Get' && /\.Header$/.test(otext) && lit(0) !== undefined) add({ name: lit(0)!, in: 'header' });
    else if (name === 'GetHeader' && lit(0) !== undefined) add({ name: lit(0)!, in: 'header' });
    else if (name === 'Cookie' && operand && lit(0) !== undefined) add({ name: lit(0)!, in: 'cookie' });
    else if (['FormValue', 'PostFormValue', 'PostForm', 'DefaultPostForm'].includes(name) && operand && otext !== 'http' && lit(0) !== undefined)
      add({ name: lit(0)!, in: 'body' });
    else if (BODY_BINDERS.has(name)) {
      if (name === 'Decode' && !/NewDecoder\(.*\.Body\)/.test(otext)) continue;
      if (name === 'Unmarshal' && otext !== 'json') continue;
      const target = a[a.length - 1];
      if (target) bodyFields(index, f, target, 'body', 'json', out);
    } else if (name === 'ShouldBindQuery' || name === 'BindQuery') {
      const target = a[0];
      if (target) bodyFields(index, f, target, 'query', 'form', out);
    } else if (name === 'ShouldBindUri' || name === 'BindUri') {
      const target = a[0];
      if (target) bodyFields(index, f, target, 'path', 'uri', out);
    }
  }
}

/** Where each request accessor reads from, by the argument that names the value. */
const ACCESSORS: Readonly<Record<string, { in: Param['in']; arg: number }>> = {
  Query: { in: 'query', arg: 0 },
  DefaultQuery: { in: 'query', arg: 0 },
  QueryParam: { in: 'query', arg: 0 },
  GetQuery: { in: 'query', arg: 0 },
  QueryArray: { in: 'query', arg: 0 },
  PathValue: { in: 'path', arg: 0 },
  Param: { in: 'path', arg: 0 },
  URLParam: { in: 'path', arg: 1 },
  GetHeader: { in: 'header', arg: 0 },
  FormValue: { in: 'body', arg: 0 },
  PostFormValue: { in: 'body', arg: 0 },
};

/**
 * Params a project helper reads for its caller: `queryInt(c, "limit", 20)` whose body calls
 * `c.Query(key)` with its own `key` parameter reads the query parameter `limit` (an integer when
 * the helper parses it with strconv).
 */
function wrappedParams(f: Fn, call: Node): Param[] {
  const d = resolveCall(f.env, call);
  if (!d || d.node === f.node) return [];
  const names = (d.node.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) => p.childrenForFieldName('name').map((n) => n.text));
  const out: Param[] = [];
  for (const inner of d.node.descendantsOfType('call_expression')) {
    const name = calleeName(inner);
    const operand = calleeOperand(inner)?.text ?? '';
    const accessor =
      name === 'Get' && /\.URL\.Query\(\)$/.test(operand)
        ? { in: 'query' as const, arg: 0 }
        : name === 'Get' && /\.Header$/.test(operand)
          ? { in: 'header' as const, arg: 0 }
          : name
            ? ACCESSORS[name]
            : undefined;
    const key = accessor ? args(inner)[accessor.arg] : undefined;
    const index = key?.type === 'identifier' ? names.indexOf(key.text) : -1;
    const given = index >= 0 ? args(call)[index] : undefined;
    const value = given ? constString(f.env.index, f.file, given) : undefined;
    if (!accessor || value === undefined) continue;
    const integer = /strconv\.(Atoi|ParseInt|ParseUint)\(/.test(d.node.text);
    out.push({ name: value, in: accessor.in, ...(accessor.in === 'path' && { required: true }), ...(integer && { type: 'integer' }) });
  }
  return out;
}

function isSqlCall(call: Node): boolean {
  const a = args(call);
  return a.some((n) => {
    const s = stringValue(n);
    return s !== undefined && /\b(select|insert|update|delete)\b/i.test(s);
  });
}

function tagValue(tag: string | undefined, key: string): string | undefined {
  if (!tag) return undefined;
  const m = new RegExp(`(?:^|\\s)${key}:"([^"]*)"`).exec(tag);
  return m?.[1];
}

function goTypeToParamType(type: Node): string {
  const t = type.text.replace(/^\*/, '');
  if (t === 'string') return 'string';
  if (/^u?int\d*$/.test(t)) return 'integer';
  if (/^float\d*$/.test(t)) return 'number';
  if (t === 'bool') return 'boolean';
  if (t.startsWith('[]')) return 'array';
  if (t.startsWith('map[')) return 'object';
  return t;
}

/** The fields of the struct `target` (`&req`, `req`) points at, as params. */
function bodyFields(index: GoIndex, f: Fn, target: Node, where: Param['in'], tagKey: string, out: Param[]): void {
  let structFields: { name: string; type: Node; tag?: string; node: Node }[] | undefined;
  let structFile = f.file;
  const inner = target.type === 'unary_expression' ? target.namedChildren[target.namedChildren.length - 1] : target;
  if (inner?.type === 'identifier') {
    // an inline `var req struct { ... }`
    for (const spec of f.node.descendantsOfType('var_spec')) {
      const t = spec.childForFieldName('type');
      if (t?.type === 'struct_type' && spec.childrenForFieldName('name').some((n) => n.text === inner.text)) {
        structFields = t.descendantsOfType('field_declaration').flatMap((fd) => {
          const type = fd.childForFieldName('type');
          const tagNode = fd.childForFieldName('tag');
          const tag = tagNode ? stringValue(tagNode) : undefined;
          return type ? fd.childrenForFieldName('name').map((n) => ({ name: n.text, type, node: fd, ...(tag !== undefined && { tag }) })) : [];
        });
      }
    }
  }
  if (!structFields && inner) {
    const tn = f.env.typeOf(inner);
    const s = tn ? findStruct(index, tn, f.file.dir) : undefined;
    if (s) {
      structFields = s.fields;
      structFile = s.file;
    }
  }
  if (!structFields) return;
  for (const field of structFields) {
    const tagName = tagValue(field.tag, tagKey)?.split(',')[0];
    if (tagName === '-') continue;
    const name = tagName || field.name;
    const rules = (tagValue(field.tag, 'binding') ?? tagValue(field.tag, 'validate'))?.split(',').filter((r) => r && r !== 'omitempty') ?? [];
    const p: Param = { name, in: where, type: goTypeToParamType(field.type) };
    if (rules.includes('required')) p.required = true;
    if (rules.length) p.validations = rules;
    p.evidence = at(structFile.file, field.node);
    out.push(p);
  }
}

/* ---------------------------------------------------------------------------- outcomes */

export function statusOf(f: CodeRef, expr: Node | undefined, allowInt = true): number | undefined {
  if (!expr) return undefined;
  if (expr.type === 'int_literal' && allowInt) {
    const n = Number(expr.text);
    return n >= 100 && n <= 599 ? n : undefined;
  }
  if (expr.type === 'selector_expression' && expr.childForFieldName('operand')?.text === 'http') {
    return HTTP_STATUS[expr.childForFieldName('field')?.text ?? ''];
  }
  void f;
  return undefined;
}

/**
 * A message built from pieces, as the code means it: `fmt.Sprintf("item %s not found", id)` →
 * `item <id> not found`, `"item " + id + " not found"` likewise. Undefined for anything else.
 */
function messageValue(expr: Node): string | undefined {
  if (expr.type === 'call_expression' && /^fmt\.(Sprintf|Errorf)$/.test(expr.childForFieldName('function')?.text ?? '')) {
    const [format, ...values] = args(expr);
    const text = format ? stringValue(format) : undefined;
    if (text === undefined) return undefined;
    let i = 0;
    return text.replace(/%%|%[-+# 0]*\d*(\.\d+)?[a-zA-Z]/g, (verb) => (verb === '%%' ? '%' : `<${oneLine(values[i++]?.text ?? '?')}>`));
  }
  if (expr.type === 'binary_expression' && expr.childForFieldName('operator')?.text === '+') {
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (!left || !right) return undefined;
    const part = (n: Node) => stringValue(n) ?? messageValue(n) ?? `<${oneLine(n.text)}>`;
    const l = part(left);
    const r = part(right);
    // At least one side must be text the code wrote, or this is no message.
    return stringValue(left) !== undefined || stringValue(right) !== undefined || messageValue(left) !== undefined || messageValue(right) !== undefined
      ? l + r
      : undefined;
  }
  return undefined;
}

/** A literal body: strings, numbers, booleans, nil and maps/slices of them; undefined otherwise. */
export function literalValue(expr: Node | undefined): unknown {
  if (!expr) return undefined;
  const s = stringValue(expr);
  if (s !== undefined) return s;
  const message = messageValue(expr);
  if (message !== undefined) return message;
  switch (expr.type) {
    case 'int_literal':
    case 'float_literal':
      return Number(expr.text);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'nil':
      return null;
    case 'literal_element':
      return literalValue(expr.namedChildren[0]);
    case 'composite_literal': {
      const body = expr.childForFieldName('body');
      const type = expr.childForFieldName('type');
      if (!body || !type) return undefined;
      const isMap = type.type === 'map_type' || /^(gin\.H|echo\.Map|H|Map|M|bson\.M)$/.test(type.text);
      if (isMap) {
        const obj: Record<string, unknown> = {};
        for (const el of body.namedChildren) {
          if (el.type !== 'keyed_element') return undefined;
          const [k, v] = el.namedChildren;
          const key = literalValue(k);
          const val = literalValue(v);
          if (typeof key !== 'string' || val === undefined) return undefined;
          obj[key] = val;
        }
        return obj;
      }
      if (type.type === 'slice_type') {
        const list: unknown[] = [];
        for (const el of body.namedChildren) {
          const v = literalValue(el);
          if (v === undefined) return undefined;
          list.push(v);
        }
        return list;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

const CONTEXT_RESPONSES = new Set([
  'JSON',
  'IndentedJSON',
  'SecureJSON',
  'PureJSON',
  'AsciiJSON',
  'JSONP',
  'JSONPretty',
  'JSONBlob',
  'XML',
  'XMLPretty',
  'YAML',
  'TOML',
  'ProtoBuf',
  'String',
  'HTML',
  'Data',
  'Blob',
  'Stream',
  'NoContent',
  'Status',
  'AbortWithStatus',
  'AbortWithStatusJSON',
  'AbortWithError',
  'Redirect',
]);
const BODYLESS = new Set(['NoContent', 'Status', 'AbortWithStatus', 'AbortWithError', 'Redirect']);
const HELPER_NAME = /^(write|render|respond|send|reply|json|error|fail|abort)/i;

/** The condition an outcome sits under: the nearest enclosing `if` (or `case`) in the same function. */
export function whenOf(node: Node): string | undefined {
  let child: Node = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'func_literal' || FUNCTION_NODES.has(p.type)) return undefined;
    if (p.type === 'if_statement') {
      const cond = p.childForFieldName('condition');
      if (!cond) continue;
      if (p.childForFieldName('consequence')?.startIndex === child.startIndex) return oneLine(cond.text);
      if (p.childForFieldName('alternative')?.startIndex === child.startIndex) return `!(${oneLine(cond.text)})`;
    }
    if (p.type === 'expression_case') {
      const value = p.childForFieldName('value');
      if (value && value.startIndex !== child.startIndex) return `case ${oneLine(value.text)}`;
    }
    if (p.type === 'default_case') return 'default';
  }
  return undefined;
}

/** Whether `node` sits in a case of a `switch r.Method` that is not `method`'s. */
function otherMethodCase(node: Node, fn: Node, method: string): boolean {
  for (let p = node.parent; p && p.startIndex >= fn.startIndex && !(p.startIndex === fn.startIndex && p.endIndex === fn.endIndex); p = p.parent) {
    if (p.type !== 'expression_case' || !/\.Method$/.test(p.parent?.childForFieldName('value')?.text ?? '')) continue;
    const values =
      p.childForFieldName('value')?.namedChildren.map((v) => (/^http\.Method([A-Z][a-z]+)$/.exec(v.text)?.[1] ?? v.text.replace(/"/g, '')).toUpperCase()) ?? [];
    return !values.includes(method);
  }
  return false;
}

function readOutcomes(f: Fn, out: Outcome[], bodyWrites: string[], method?: string): void {
  const file = f.file.file;
  let dynamicStatus = false;
  const local: Outcome[] = [];
  const writes: string[] = [];
  const push = (status: number | undefined, node: Node, body?: unknown) => {
    if (status === undefined) return;
    const o: Outcome = { status };
    const when = whenOf(node);
    if (when) o.when = when;
    if (body !== undefined) o.body = body;
    o.evidence = at(file, node);
    local.push(o);
  };
  for (const n of f.node.descendantsOfType(['call_expression', 'return_statement'])) {
    if (method !== undefined && otherMethodCase(n, f.node, method)) continue;
    if (n.type === 'return_statement') {
      // echo: `return echo.ErrNotFound`
      const v = n.namedChildren[0]?.namedChildren[0];
      if (v?.type === 'selector_expression' && v.childForFieldName('operand')?.text === 'echo') push(ECHO_ERRORS[v.childForFieldName('field')?.text ?? ''], n);
      continue;
    }
    const call = n;
    const name = calleeName(call);
    const otext = calleeOperand(call)?.text;
    const a = args(call);
    if (!name) continue;
    if (
      (name === 'Write' && otext === 'w') ||
      (name === 'Encode' && /NewEncoder\(\s*w\s*\)/.test(otext ?? '')) ||
      (/^Fprint/.test(name) && otext === 'fmt' && a[0]?.text === 'w') ||
      ((name === 'Copy' || name === 'WriteString') && otext === 'io' && a[0]?.text === 'w') ||
      (name === 'Execute' && a[0]?.text === 'w') ||
      (otext === 'http' && (name === 'ServeFile' || name === 'ServeContent'))
    ) {
      writes.push(at(file, call));
    }
    if (name === 'WriteHeader') {
      const s = statusOf(f, a[0]);
      if (s === undefined) dynamicStatus = true;
      push(s, call);
    } else if (otext === 'http' && name === 'Error') {
      push(statusOf(f, a[2]), call, a[1] ? (stringValue(a[1]) ?? messageValue(a[1])) : undefined);
    } else if (otext === 'http' && name === 'NotFound') {
      push(404, call);
    } else if (otext === 'http' && name === 'Redirect') {
      push(statusOf(f, a[3]), call);
    } else if (otext === 'echo' && name === 'NewHTTPError') {
      push(statusOf(f, a[0]), call, a[1] ? literalValue(a[1]) : undefined);
    } else if (otext === 'http' && name === 'StatusText') {
      continue;
    } else if (CONTEXT_RESPONSES.has(name) && calleeOperand(call)?.type === 'identifier' && a.length >= 1) {
      const s = statusOf(f, a[0]);
      if (s === undefined) {
        if (a[0]?.type === 'identifier') dynamicStatus = true;
        continue;
      }
      push(s, call, BODYLESS.has(name) || (name === 'String' && a.length > 2) ? undefined : literalValue(a[1]));
    } else {
      // a project helper such as writeJSON(w, http.StatusCreated, v) or writeError(w, 404, "not found")
      const isHelper = HELPER_NAME.test(name) || resolveCall(f.env, call) !== undefined;
      const i = a.findIndex((x) => statusOf(f, x, isHelper && HELPER_NAME.test(name)) !== undefined);
      if (i >= 0 && isHelper) {
        push(statusOf(f, a[i], true), call, literalValue(a[i + 1]));
        continue;
      }
      // writeError(w, err): a helper that reads the status out of the error; the statuses are those the error can carry
      for (const status of errorStatuses(f, call, method)) push(status, call);
    }
  }
  out.push(...local);
  if (!dynamicStatus) bodyWrites.push(...writes);
}

/**
 * `writeError(w, err)` where the helper takes the status out of the error (`errors.As(err, &ae)`
 * then `ae.Status`): the statuses the error can carry, read where `err` was assigned (`o, err :=
 * h.store.CreateOrder(...)`) from what that function returns: a status-carrying literal
 * (`&apiError{Status: http.StatusConflict}`) or a constructor returning one (`conflict("...")`),
 * two calls deep.
 */
function errorStatuses(f: Fn, call: Node, method: string | undefined): number[] {
  const helper = resolveCall(f.env, call);
  const errArg = args(call).find((x) => x.type === 'identifier' && /err/i.test(x.text));
  if (!helper || !errArg || !/\berrors\.As\(/.test(helper.node.text)) return [];
  const found = new Set<number>();
  for (const decl of f.node.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
    const left = decl.childForFieldName('left')?.namedChildren ?? [];
    if (!left.some((l) => l.text === errArg.text) || (method !== undefined && otherMethodCase(decl, f.node, method))) continue;
    const value = decl.childForFieldName('right')?.namedChildren[0];
    if (value?.type === 'call_expression') for (const s of returnedStatuses(f.env, value, 0)) found.add(s);
  }
  return [...found];
}

function returnedStatuses(env: TypeEnv, call: Node, depth: number): number[] {
  const d = resolveCall(env, call);
  if (!d || depth > 2) return [];
  const inner = envFor(env.index, d.file, d.node);
  const out: number[] = [];
  for (const ret of d.node.descendantsOfType('return_statement')) {
    const values = ret.namedChildren[0]?.namedChildren ?? [];
    const last = values[values.length - 1];
    if (!last) continue;
    const literal = last.type === 'unary_expression' ? last.namedChildren[0] : last;
    if (literal?.type === 'composite_literal') {
      for (const kv of literal.descendantsOfType('keyed_element')) {
        if (!/^(Status|StatusCode|Code|status|code)$/.test(kv.namedChildren[0]?.text ?? '')) continue;
        const v = kv.namedChildren[1]?.namedChildren[0] ?? kv.namedChildren[1];
        const n = statusOf(d, v);
        if (n !== undefined) out.push(n);
      }
    } else if (last.type === 'call_expression') out.push(...returnedStatuses(inner, last, depth + 1));
    else if (last.type === 'identifier' && last.text !== 'nil') {
      // `return err` after `o, err := s.ownedOrder(...)`: what that call returns
      for (const decl of d.node.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
        if (!(decl.childForFieldName('left')?.namedChildren ?? []).some((l) => l.text === last.text)) continue;
        const value = decl.childForFieldName('right')?.namedChildren[0];
        if (value?.type === 'call_expression') out.push(...returnedStatuses(inner, value, depth + 1));
      }
    }
  }
  return out;
}

/* ------------------------------------------------------------------------ side effects */

const SQL_METHODS = new Set([
  'Exec',
  'ExecContext',
  'Query',
  'QueryContext',
  'QueryRow',
  'QueryRowContext',
  'QueryRowx',
  'Queryx',
  'Get',
  'GetContext',
  'Select',
  'SelectContext',
  'NamedExec',
  'NamedExecContext',
  'MustExec',
  'Raw',
  'Prepare',
  'PrepareContext',
]);

export function sqlEffect(sql: string): { kind: 'db_write' | 'db_read'; target: string } | undefined {
  const clean = (t: string) => t.replace(/["`[\]]/g, '');
  let m = /^\s*(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+([\w."`[\]]+)/i.exec(sql);
  if (m?.[1]) return { kind: 'db_write', target: clean(m[1]) };
  m = /^\s*UPDATE\s+([\w."`[\]]+)/i.exec(sql);
  if (m?.[1]) return { kind: 'db_write', target: clean(m[1]) };
  m = /^\s*DELETE\s+FROM\s+([\w."`[\]]+)/i.exec(sql);
  if (m?.[1]) return { kind: 'db_write', target: clean(m[1]) };
  m = /^\s*(?:WITH\b[\s\S]*?)?SELECT\b[\s\S]*?\bFROM\s+([\w."`[\]]+)/i.exec(sql);
  if (m?.[1]) return { kind: 'db_read', target: clean(m[1]) };
  return undefined;
}

const GORM_WRITES = new Set(['Create', 'Save', 'Delete', 'Updates', 'Update', 'UpdateColumn', 'UpdateColumns', 'FirstOrCreate', 'CreateInBatches']);
const GORM_READS = new Set(['First', 'Find', 'Take', 'Last', 'Count', 'Pluck']);
const DB_RECEIVER = /(^|\.)(db|tx|gorm|orm|DB)(\.|\(|$)/;
const CACHE_RECEIVER = /cache|redis|rdb|memcache/i;
const CACHE_WRITES = /^(Set|SetEX|SetEx|SetNX|HSet|HMSet|Del|Delete|Expire|Incr|IncrBy|Invalidate|Add|Replace|Purge)$/;

function firstString(index: GoIndex, file: GoFile, nodes: Node[]): string | undefined {
  for (const n of nodes) {
    const s = constString(index, file, n);
    if (s !== undefined) return s;
  }
  for (const n of nodes) {
    const lit = n.descendantsOfType(['interpreted_string_literal', 'raw_string_literal'])[0];
    if (lit) return stringValue(lit);
  }
  return undefined;
}

function tableName(typeName: string): string {
  const snake = typeName.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  if (/[^aeiou]y$/.test(snake)) return `${snake.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(snake)) return `${snake}es`;
  return `${snake}s`;
}

/** The value of a constant expression, else its text: `"cache:"+key`. */
function valueOrText(index: GoIndex, file: GoFile, n: Node | undefined): string | undefined {
  if (!n) return undefined;
  return constString(index, file, n) ?? oneLine(n.text);
}

function readSideEffects(index: GoIndex, f: Fn, out: SideEffect[], covered: Set<string>): void {
  const file = f.file.file;
  const self = `${file}:${f.node.startIndex}`;
  for (const call of f.node.descendantsOfType('call_expression')) {
    const name = calleeName(call);
    const operand = calleeOperand(call);
    const otext = operand?.text ?? '';
    const fnText = call.childForFieldName('function')?.text ?? '';
    // a plain selector chain such as h.mailer.Send; for a.b(...).C only the name counts
    const callee = /^[\w.]+$/.test(fnText) ? fnText : (name ?? '');
    const a = args(call);
    if (!name) continue;
    const add = (kind: SideEffect['kind'], target: string) => out.push({ kind, target: oneLine(target) || callee, evidence: at(file, call) });
    if (SQL_METHODS.has(name) && operand) {
      const sql = a.map((n) => constString(index, f.file, n)).find((s) => s !== undefined && sqlEffect(s));
      const eff = sql !== undefined ? sqlEffect(sql) : undefined;
      if (eff) {
        add(eff.kind, eff.target);
        continue;
      }
    }
    if (otext === 'http' && ['Get', 'Post', 'PostForm', 'Head'].includes(name)) {
      add('http_call', firstString(index, f.file, a.slice(0, 1)) ?? a[0]?.text ?? callee);
      continue;
    }
    if (name === 'Do' && /client|http/i.test(otext) && !CACHE_RECEIVER.test(otext)) {
      const req = f.node.descendantsOfType('call_expression').find((c) => /^http\.NewRequest(WithContext)?$/.test(c.childForFieldName('function')?.text ?? ''));
      const urlArg = req ? args(req)[/WithContext/.test(req.text.slice(0, 40)) ? 2 : 1] : undefined;
      add('http_call', (urlArg && firstString(index, f.file, [urlArg])) ?? urlArg?.text ?? otext);
      continue;
    }
    if (['Get', 'Post', 'Put', 'Patch', 'Delete'].includes(name) && /client/i.test(otext) && !CACHE_RECEIVER.test(otext) && !DB_RECEIVER.test(otext)) {
      add('http_call', firstString(index, f.file, a) ?? a[0]?.text ?? callee);
      continue;
    }
    if (CACHE_RECEIVER.test(otext) && CACHE_WRITES.test(name)) {
      const key = a.find((n) => n.text !== 'ctx' && !/Context\(\)$/.test(n.text));
      add('cache', valueOrText(index, f.file, key) ?? otext);
      continue;
    }
    if (DB_RECEIVER.test(otext) && !/\.(Query|QueryRow|Exec|Raw)\w*\(/.test(otext) && (GORM_WRITES.has(name) || GORM_READS.has(name))) {
      const model = [
        ...a,
        ...operand!
          .descendantsOfType('call_expression')
          .filter((c) => calleeName(c) === 'Model')
          .flatMap(args),
      ]
        .map((n) => f.env.typeOf(n))
        .find((t) => t !== undefined && findStruct(index, t) !== undefined);
      add(GORM_WRITES.has(name) ? 'db_write' : 'db_read', model ? tableName(model) : (a[0]?.text ?? otext));
      continue;
    }
    const cover = () => {
      const d = resolveCall(f.env, call);
      if (d) covered.add(`${d.file.file}:${d.node.startIndex}`);
    };
    // Mail is sent by a mailer or by a sending verb; `FindUserByEmail` only mentions mail.
    const receiver = callee.slice(0, Math.max(0, callee.length - name.length));
    const sendsMail = /mail/i.test(callee) && (/^(send|deliver|queue|enqueue|notify)/i.test(name) || /mail|smtp/i.test(receiver));
    if (sendsMail && !/valid|pars|format|normali|bind|header/i.test(callee)) {
      if (covered.has(self)) continue;
      add('email', callee.replace(/^\w+\.(?=\w+\.)/, ''));
      cover();
      continue;
    }
    if (/enqueue|publish|queue|job/i.test(name)) {
      if (covered.has(self)) continue;
      const first = a.find((n) => n.text !== 'ctx' && !/Context\(\)$/.test(n.text));
      add(
        'job',
        (first && (first.type === 'interpreted_string_literal' || first.type === 'binary_expression') ? valueOrText(index, f.file, first) : undefined) ??
          callee.replace(/^\w+\.(?=\w+\.)/, ''),
      );
      cover();
      continue;
    }
  }
}

/* ---------------------------------------------------------------------------- volatile */

function volatileReason(call: Node): string | undefined {
  const fn = call.childForFieldName('function')?.text ?? '';
  if (fn === 'time.Now') return 'time.Now()';
  if (/^uuid\.(New|NewString|NewRandom|NewV4|NewV7|Must)$/.test(fn)) return `${fn}()`;
  if (/^ulid\.(Make|New)$/.test(fn) || /^xid\.New$/.test(fn) || /^ksuid\.New$/.test(fn)) return `${fn}()`;
  if (/^(rand|mathrand)\.\w+$/.test(fn)) return `random (${fn})`;
  return undefined;
}

function jsonPath(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$.${name}` : `$['${name.replace(/'/g, "\\'")}']`;
}

function jsonNameOfField(index: GoIndex, structType: string | undefined, field: string, dir: string): string {
  const candidates = structType ? [findStruct(index, structType, dir)] : [...index.structs.values()].flat();
  for (const s of candidates) {
    const fd = s?.fields.find((x) => x.name === field);
    if (!fd) continue;
    const tag = tagValue(fd.tag, 'json')?.split(',')[0];
    if (tag === '-') return field;
    return tag || field;
  }
  return field;
}

/** The field a value ends up in: the key of the composite literal or the field it is assigned to. */
function fieldFor(index: GoIndex, f: Fn, value: Node, depth = 0): string | undefined {
  let v = value;
  // climb through method chains and wrapping calls: time.Now().UTC(), uuid.New().String(), fmt.Sprintf("..%d", time.Now().Unix())
  for (;;) {
    const p = v.parent;
    if (!p) break;
    if (p.type === 'selector_expression' && p.childForFieldName('operand')?.startIndex === v.startIndex) v = p;
    else if (p.type === 'call_expression' && p.childForFieldName('function')?.startIndex === v.startIndex) v = p;
    else if (p.type === 'argument_list' && p.parent && /^(uuid|fmt|strconv|strings|time)\./.test(p.parent.childForFieldName('function')?.text ?? ''))
      v = p.parent;
    else break;
  }
  const p = v.parent;
  if (!p) return undefined;
  if (p.type === 'literal_element' && p.parent?.type === 'keyed_element' && p.parent.namedChildren[1]?.startIndex === p.startIndex) {
    const keyEl = p.parent.namedChildren[0];
    const key = keyEl?.namedChildren[0];
    if (!key) return undefined;
    const s = stringValue(key);
    if (s !== undefined) return s;
    const lit = p.parent.parent?.parent;
    const type = lit?.type === 'composite_literal' ? lit.childForFieldName('type') : undefined;
    return jsonNameOfField(index, type ? typeName(type) : undefined, key.text, f.file.dir);
  }
  if (p.type === 'expression_list' && (p.parent?.type === 'assignment_statement' || p.parent?.type === 'short_var_declaration')) {
    const stmt = p.parent;
    if (stmt.childForFieldName('right')?.startIndex !== p.startIndex) return undefined;
    const i = p.namedChildren.findIndex((c) => c.startIndex === v.startIndex);
    const left = stmt.childForFieldName('left')?.namedChildren[i];
    if (left?.type === 'selector_expression') {
      const operand = left.childForFieldName('operand');
      return jsonNameOfField(index, operand ? f.env.typeOf(operand) : undefined, left.childForFieldName('field')?.text ?? '', f.file.dir);
    }
    if (left?.type === 'identifier' && depth === 0) {
      // id := uuid.NewString(); ... User{ID: id}
      for (const use of f.node.descendantsOfType('identifier')) {
        if (use.text !== left.text || use.startIndex <= left.startIndex) continue;
        const field = fieldFor(index, f, use, 1);
        if (field) return field;
      }
    }
  }
  if (p.type === 'var_spec' && depth === 0) {
    const nameNode = p.childForFieldName('name');
    for (const use of f.node.descendantsOfType('identifier')) {
      if (!nameNode || use.text !== nameNode.text || use.startIndex <= nameNode.startIndex) continue;
      const field = fieldFor(index, f, use, 1);
      if (field) return field;
    }
  }
  return undefined;
}

function readVolatile(index: GoIndex, f: Fn, out: Volatile[]): void {
  for (const call of f.node.descendantsOfType('call_expression')) {
    const reason = volatileReason(call);
    if (!reason) continue;
    // uuid.Must(uuid.NewRandom()): report the outer call only
    const outer = call.parent?.parent;
    if (outer?.type === 'call_expression' && outer.childForFieldName('function')?.text === 'uuid.Must') continue;
    const field = fieldFor(index, f, call);
    if (field === undefined && (feedsStorageOrLog(call) || feedsHeader(call) || onlyInHeaders(f, call))) continue;
    out.push({ field: field ? jsonPath(field) : '$', reason, evidence: at(f.file.file, call) });
  }
}

/** A header setter: `c.Header(k, v)`, `w.Header().Set(k, v)` / `.Add`. */
const HEADER_SETTER = /(^|\.)Header$|\.Header\(\)\.(Set|Add)$/;

/** A value passed (possibly converted) straight to a header setter: it is not the body. */
function feedsHeader(value: Node): boolean {
  for (let node: Node | null = value.parent; node; node = node.parent) {
    if (node.type === 'argument_list') {
      const callee = node.parent?.childForFieldName('function')?.text ?? '';
      if (HEADER_SETTER.test(callee)) return true;
      if (!/^(string|fmt\.Sprint\w*|hex\.EncodeToString|base64\.\w+\.EncodeToString|strconv\.\w+)$/.test(callee)) return false;
    }
    if (node.type.endsWith('statement') || node.type === 'block') return false;
  }
  return false;
}

/** `rand.Read(buf)` whose buffer is only ever used in header setters: the random bytes do not reach the body. */
function onlyInHeaders(f: Fn, call: Node): boolean {
  if (!/(^|\.)Read$|^io\.ReadFull$/.test(call.childForFieldName('function')?.text ?? '')) return false;
  const target = args(call).find((a) => a.type === 'identifier');
  if (!target) return false;
  const uses = f.node.descendantsOfType('identifier').filter((n) => n.text === target.text && n.startIndex !== target.startIndex);
  const elsewhere = uses.filter((n) => {
    const decl =
      n.parent?.type === 'expression_list' &&
      n.parent.parent?.type === 'short_var_declaration' &&
      n.parent.parent.childForFieldName('left')?.startIndex === n.parent.startIndex;
    return !decl && !feedsHeader(n);
  });
  return uses.length > 0 && elsewhere.length === 0;
}

/**
 * A clock or random value passed straight to SQL or a logger does not reach the response; reporting
 * it as volatile `$` would tell comparisons to distrust the whole body.
 */
function feedsStorageOrLog(value: Node): boolean {
  for (let node: Node | null = value.parent; node; node = node.parent) {
    if (node.type === 'argument_list') {
      const callee = node.parent?.childForFieldName('function')?.text ?? '';
      return /\.(Exec|Query|QueryRow|Prepare)\w*$|^(log|slog)\.|\.(Print\w*|Debug\w*|Info\w*|Warn\w*|Error\w*)$/.test(callee);
    }
    if (node.type.endsWith('statement') || node.type === 'block') return false;
  }
  return false;
}
