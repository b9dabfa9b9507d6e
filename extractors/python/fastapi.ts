/**
 * FastAPI: `@app.get(...)` / `@router.post(...)` / `api_route(methods=...)` / `add_api_route`,
 * `APIRouter(prefix=..., dependencies=[...])` included with `include_router(router, prefix=...,
 * dependencies=[...])` on the app or on other routers, across modules. Params come from the
 * signature: path params by name, `Query`/`Path`/`Header`/`Cookie`/`Body` markers (also inside
 * `Annotated[...]`) with their validations, simple-typed args as query params, and a Pydantic model
 * argument as body fields. Guards are `Depends(...)`/`Security(...)` whose dependency name reads
 * like authentication, at app, router and handler level. Endpoints with any params also answer
 * 422 on invalid input (FastAPI's request validation).
 */
import { authRequired } from '../auth-requirement.js';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, Param, SourceProject } from '../types.js';
import { analyseHandler, statusOf, type FunctionRef } from './analysis.js';
import { AUTH_DEPENDENCY, decoratorGuard, dedupeGuards, detectPython, loadFiles, mergeParams, sortEndpoints, toMethod, HTTP_METHOD_NAMES } from './common.js';
import {
  at,
  basesOf,
  calleeName,
  decoratorExpr,
  decoratorsOf,
  joinPaths,
  keyword,
  lastName,
  line,
  oneLine,
  positional,
  resolveExpr,
  same,
  stringList,
  stringValue,
  walk,
  type Node,
  type PyFile,
} from './tree.js';

type Target = { kind: 'app'; key: string } | { kind: 'router'; key: string };

interface RouterInfo {
  key: string;
  py: PyFile;
  name: string;
  prefix: string;
  deps: Node | undefined;
  line: number;
}

interface Include {
  parent: Target;
  py: PyFile;
  prefix: string;
  deps: Node | undefined;
}

interface Mount {
  prefix: string;
  guards: Guard[];
  refs: FunctionRef[];
}

export const fastapiExtractor: Extractor = {
  name: 'fastapi',
  language: 'python',
  entryPoint: /\bFastAPI\(|\bAPIRouter\(/,
  detect: (project) => detectPython(project, ['fastapi'], 'fastapi'),
  extract(context) {
    try {
      return extractFastapi(context);
    } catch (error) {
      context.warn({ file: '.', line: 1, message: `fastapi: ${error instanceof Error ? error.message : String(error)}` });
      return [];
    }
  },
};

function extractFastapi(context: ExtractorContext): EndpointFacts[] {
  const { project } = context;
  const files = loadFiles(context);
  const apps = new Map<string, { py: PyFile; deps: Node | undefined }>();
  const routers = new Map<string, RouterInfo>();

  for (const py of files) {
    for (const n of walk(py.root)) {
      if (n.type !== 'assignment') continue;
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left?.type !== 'identifier' || right?.type !== 'call') continue;
      const ctor = calleeName(right);
      const key = `${py.file}#${left.text}`;
      if (ctor === 'FastAPI') apps.set(key, { py, deps: keyword(right, 'dependencies') });
      if (ctor === 'APIRouter') {
        const p = keyword(right, 'prefix');
        let prefix = '';
        if (p) {
          const v = stringValue(p);
          if (v === undefined) context.warn({ file: py.file, line: line(p), message: 'cannot resolve route path statically' });
          else prefix = v;
        }
        routers.set(key, { key, py, name: left.text, prefix, deps: keyword(right, 'dependencies'), line: line(right) });
      }
    }
  }

  const targetOf = (py: PyFile, expr: Node | null | undefined): Target | undefined => {
    if (!expr) return undefined;
    let key: string | undefined;
    if (expr.type === 'identifier' && (apps.has(`${py.file}#${expr.text}`) || routers.has(`${py.file}#${expr.text}`))) key = `${py.file}#${expr.text}`;
    else {
      const sym = resolveExpr(project, py, expr);
      if (sym?.kind === 'value') key = `${sym.py.file}#${sym.name}`;
    }
    if (key && apps.has(key)) return { kind: 'app', key };
    if (key && routers.has(key)) return { kind: 'router', key };
    return undefined;
  };

  const includes = new Map<string, Include[]>();
  for (const py of files) {
    for (const call of py.root.descendantsOfType('call')) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'include_router') continue;
      const parent = targetOf(py, fn.childForFieldName('object'));
      const child = targetOf(py, positional(call)[0] ?? keyword(call, 'router'));
      if (!parent || child?.kind !== 'router') continue;
      const p = keyword(call, 'prefix');
      const prefix = p === undefined ? '' : stringValue(p);
      if (prefix === undefined) {
        context.warn({ file: py.file, line: line(call), message: 'cannot resolve route path statically' });
        continue;
      }
      const list = includes.get(child.key) ?? [];
      list.push({ parent, py, prefix, deps: keyword(call, 'dependencies') });
      includes.set(child.key, list);
    }
  }

  const appMount = (key: string): Mount => {
    const app = apps.get(key);
    const { guards, refs } = app ? dependencyGuards(project, app.py, app.deps, 'app') : { guards: [], refs: [] };
    return { prefix: '', guards, refs };
  };
  const warned = new Set<string>();
  const mounts = (t: Target, seen: Set<string> = new Set()): Mount[] => {
    if (t.kind === 'app') return [appMount(t.key)];
    if (seen.has(t.key)) return [];
    const r = routers.get(t.key)!;
    const own = dependencyGuards(project, r.py, r.deps, 'router');
    const incs = includes.get(t.key);
    if (!incs) {
      if (!warned.has(t.key)) {
        warned.add(t.key);
        context.warn({ file: r.py.file, line: r.line, message: `router ${r.name} is never included statically; assuming its own prefix` });
      }
      return [{ prefix: joinPaths(r.prefix), guards: own.guards, refs: own.refs }];
    }
    const out: Mount[] = [];
    for (const inc of incs) {
      const incDeps = dependencyGuards(project, inc.py, inc.deps, 'router');
      for (const parent of mounts(inc.parent, new Set([...seen, t.key]))) {
        out.push({
          prefix: joinPaths(parent.prefix, inc.prefix, r.prefix),
          guards: [...parent.guards, ...incDeps.guards, ...own.guards],
          refs: [...parent.refs, ...incDeps.refs, ...own.refs],
        });
      }
    }
    return out;
  };

  const endpoints: EndpointFacts[] = [];
  const emit = (py: PyFile, target: Target, route: string, methods: string[], def: Node, options: Node | undefined, site: Node) => {
    const path = route.replace(/\{(\w+):\w+\}/g, '{$1}');
    const deco = options ? dependencyGuards(project, py, keyword(options, 'dependencies'), 'handler') : { guards: [], refs: [] };
    const sig = signature(project, py, def, path);
    for (const d of decoratorsOf(def)) {
      const e = decoratorExpr(d);
      if (!e || same(e, options)) continue;
      const g = decoratorGuard(e, 'handler', at(py.file, d));
      if (g) deco.guards.push(g);
    }
    const success = options ? statusOf(keyword(options, 'status_code')) : undefined;
    for (const mount of mounts(target)) {
      const facts = analyseHandler({
        project,
        framework: 'fastapi',
        handler: { py, node: def },
        extra: [...mount.refs, ...deco.refs, ...sig.refs],
        ...(success !== undefined ? { successStatus: success } : {}),
      });
      const outcomes = [...facts.outcomes];
      if (!outcomes.some((o) => o.status < 400 && o.evidence?.startsWith(`${py.file}:`))) {
        outcomes.unshift({ status: success ?? 200, evidence: at(py.file, site) });
      }
      if (sig.params.length > 0) outcomes.push({ status: 422, when: 'request validation fails', evidence: at(py.file, site) });
      for (const m of methods) {
        const method = toMethod(m);
        if (!method) continue;
        endpoints.push({
          method,
          path: joinPaths(mount.prefix, path),
          framework: 'fastapi',
          handler: facts.handler,
          params: mergeParams(sig.params, facts.params),
          guards: dedupeGuards([...mount.guards, ...deco.guards, ...sig.guards]),
          outcomes,
          side_effects: facts.side_effects,
          volatile: facts.volatile,
          source_hash: facts.source_hash,
        });
      }
    }
  };

  for (const py of files) {
    for (const d of py.root.descendantsOfType('decorator')) {
      const expr = decoratorExpr(d);
      if (expr?.type !== 'call') continue;
      const fn = expr.childForFieldName('function');
      if (fn?.type !== 'attribute') continue;
      const verb = fn.childForFieldName('attribute')?.text ?? '';
      if (verb !== 'api_route' && !(HTTP_METHOD_NAMES as readonly string[]).includes(verb)) continue;
      const target = targetOf(py, fn.childForFieldName('object'));
      const def = d.parent?.childForFieldName('definition');
      if (!target || def?.type !== 'function_definition') continue;
      const route = stringValue(positional(expr)[0] ?? keyword(expr, 'path'));
      if (route === undefined) {
        context.warn({ file: py.file, line: line(d), message: 'cannot resolve route path statically' });
        continue;
      }
      const methods = verb === 'api_route' ? (stringList(keyword(expr, 'methods')) ?? ['GET']) : [verb];
      emit(py, target, route, methods, def, expr, d);
    }
    for (const call of py.root.descendantsOfType('call')) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'add_api_route') continue;
      const target = targetOf(py, fn.childForFieldName('object'));
      if (!target) continue;
      const route = stringValue(positional(call)[0] ?? keyword(call, 'path'));
      if (route === undefined) {
        context.warn({ file: py.file, line: line(call), message: 'cannot resolve route path statically' });
        continue;
      }
      const endpoint = positional(call)[1] ?? keyword(call, 'endpoint');
      const sym = endpoint ? resolveExpr(project, py, endpoint) : undefined;
      if (sym?.kind !== 'function') continue;
      emit(sym.py, target, route, stringList(keyword(call, 'methods')) ?? ['GET'], sym.node, call, call);
    }
  }
  return sortEndpoints(endpoints);
}

const MARKERS: Record<string, Param['in'] | 'dep'> = {
  Query: 'query',
  Path: 'path',
  Header: 'header',
  Cookie: 'cookie',
  Body: 'body',
  Form: 'body',
  File: 'body',
  Depends: 'dep',
  Security: 'dep',
};
const SKIPPED_TYPES = /^(Request|Response|BackgroundTasks|WebSocket|HTTPConnection|Session|AsyncSession|SecurityScopes)$/;
const VALIDATION_KEYS = ['gt', 'ge', 'lt', 'le', 'min_length', 'max_length', 'pattern', 'regex', 'multiple_of', 'max_digits', 'decimal_places'];

/** `int` → integer, `Optional[str]` → string, `List[int]` → array, anything else as written. */
function jsonType(type: Node | undefined): string | undefined {
  if (!type) return undefined;
  let t = type.text.replace(/\s+/g, '');
  t = t
    .replace(/^Optional\[(.*)\]$/, '$1')
    .replace(/\|None$/, '')
    .replace(/^None\|/, '');
  if (/^(int|conint\(.*\))$/.test(t)) return 'integer';
  if (/^(float|Decimal|confloat\(.*\))$/.test(t)) return 'number';
  if (/^(str|constr\(.*\)|EmailStr|HttpUrl|AnyUrl|UUID|uuid\.UUID|date|datetime|time)$/.test(t)) return 'string';
  if (t === 'bool') return 'boolean';
  if (/^(List|list|Set|set|Sequence|Tuple|tuple)(\[|$)/.test(t)) return 'array';
  if (/^(Dict|dict)(\[|$)/.test(t)) return 'object';
  return t;
}

function validationsOf(marker: Node | undefined): string[] {
  if (!marker) return [];
  const out: string[] = [];
  for (const k of VALIDATION_KEYS) {
    const v = keyword(marker, k);
    if (v) out.push(`${k}=${oneLine(v.text)}`);
  }
  return out;
}

/** Whether a marker/Field call makes the value required: `Query(...)`, `Field(..., x=1)`, or no default at all. */
function markerRequired(marker: Node): boolean | undefined {
  const first = positional(marker)[0];
  if (first?.type === 'ellipsis') return true;
  if (first) return false;
  const d = keyword(marker, 'default');
  if (d) return d.type === 'ellipsis';
  if (keyword(marker, 'default_factory')) return false;
  return undefined;
}

interface Signature {
  params: Param[];
  guards: Guard[];
  refs: FunctionRef[];
}

function signature(project: SourceProject, py: PyFile, def: Node, path: string): Signature {
  const out: Signature = { params: [], guards: [], refs: [] };
  const pathNames = new Set([...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));
  for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) {
    let nameNode: Node | undefined;
    let typeNode: Node | undefined;
    let value: Node | undefined;
    if (p.type === 'identifier') nameNode = p;
    else if (p.type === 'typed_parameter') {
      nameNode = p.namedChildren[0];
      typeNode = p.childForFieldName('type') ?? undefined;
    } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      nameNode = p.childForFieldName('name') ?? undefined;
      typeNode = p.childForFieldName('type') ?? undefined;
      value = p.childForFieldName('value') ?? undefined;
    } else continue;
    if (nameNode?.type !== 'identifier' || nameNode.text === 'self' || nameNode.text === 'cls') continue;
    const name = nameNode.text;
    // Annotated[T, Marker(...)]: the first type is the value's type, a marker call the metadata.
    let baseType = typeNode;
    let marker: Node | undefined = value?.type === 'call' && MARKERS[calleeName(value)] ? value : undefined;
    const generic = typeNode?.namedChildren[0];
    if (generic?.type === 'generic_type' && generic.namedChildren[0]?.text === 'Annotated') {
      const params = generic.namedChildren[1]?.namedChildren ?? [];
      baseType = params[0];
      for (const extra of params.slice(1)) {
        const c = extra.namedChildren[0];
        if (c?.type === 'call' && MARKERS[calleeName(c)]) marker ??= c;
      }
    }
    const where = marker ? MARKERS[calleeName(marker)] : undefined;
    if (where === 'dep') {
      const g = dependencyGuards(project, py, p, 'handler');
      out.guards.push(...g.guards);
      out.refs.push(...g.refs);
      continue;
    }
    if (baseType && SKIPPED_TYPES.test(baseType.text)) continue;
    const evidence = at(py.file, p);
    const required = marker ? (markerRequired(marker) ?? !value) : !value || value.type === 'ellipsis';
    const validations = validationsOf(marker);
    const alias = marker ? stringValue(keyword(marker, 'alias')) : undefined;
    const type = jsonType(baseType);
    const push = (param: Param) => {
      if (validations.length > 0) param.validations = validations;
      out.params.push(param);
    };
    if (where === 'header') {
      push({ name: alias ?? name.replace(/_/g, '-'), in: 'header', ...(type ? { type } : {}), required, evidence });
      continue;
    }
    if (where) {
      push({ name: alias ?? name, in: where, ...(type ? { type } : {}), required: where === 'path' ? true : required, evidence });
      continue;
    }
    if (pathNames.has(name)) {
      push({ name, in: 'path', ...(type ? { type } : {}), required: true, evidence });
      continue;
    }
    const model = baseType ? pydanticModel(project, py, baseType) : undefined;
    if (model) {
      out.params.push(...modelFields(project, model.py, model.node));
      continue;
    }
    if (type === 'UploadFile') {
      push({ name, in: 'body', type: 'string', required, evidence });
      continue;
    }
    push({ name, in: 'query', ...(type ? { type } : {}), required, evidence });
  }
  return out;
}

/** Guards (and the project functions behind them) from a `dependencies=[...]` list or a parameter. */
function dependencyGuards(project: SourceProject, py: PyFile, node: Node | undefined, level: Guard['level']): { guards: Guard[]; refs: FunctionRef[] } {
  const guards: Guard[] = [];
  const refs: FunctionRef[] = [];
  if (!node) return { guards, refs };
  for (const call of [node, ...node.descendantsOfType('call')]) {
    if (call.type !== 'call') continue;
    const marker = calleeName(call);
    if (marker !== 'Depends' && marker !== 'Security') continue;
    const dep = positional(call)[0] ?? keyword(call, 'dependency');
    if (!dep) continue;
    const depName = dep.type === 'call' ? (dep.childForFieldName('function')?.text ?? dep.text) : dep.text;
    let kind: Guard['kind'] | undefined;
    if (/limit|throttl/i.test(depName)) kind = 'rate_limit';
    else if (marker === 'Security' || AUTH_DEPENDENCY.test(depName)) kind = /permission|admin|role|scope|owner/i.test(depName) ? 'authz' : 'auth';
    if (!kind) continue;
    const sym = resolveExpr(project, py, dep.type === 'call' ? (dep.childForFieldName('function') ?? dep) : dep);
    // A dependency that only reads a token (`get_current_user_optional`, `HTTPBearer(auto_error=False)`) lets anonymous requests in.
    const required =
      kind !== 'auth'
        ? undefined
        : /\bauto_error\s*=\s*False\b/.test(call.text)
          ? false
          : authRequired(depName, sym?.kind === 'function' ? sym.node.text : undefined);
    guards.push({ kind, text: oneLine(call.text), level, ...(required !== undefined && { required }), evidence: at(py.file, call) });
    if (sym?.kind !== 'function') continue;
    refs.push({ py: sym.py, node: sym.node });
    // One level of sub-dependencies: get_current_active_user(user = Depends(get_current_user)).
    for (const sub of sym.node.childForFieldName('parameters')?.descendantsOfType('call') ?? []) {
      if (calleeName(sub) !== 'Depends' && calleeName(sub) !== 'Security') continue;
      const s = positional(sub)[0];
      const ss = s ? resolveExpr(project, sym.py, s) : undefined;
      if (ss?.kind === 'function') refs.push({ py: ss.py, node: ss.node });
    }
  }
  return { guards, refs };
}

/** The project class behind a type annotation when it is a Pydantic model (BaseModel, directly or through project bases). */
function pydanticModel(project: SourceProject, py: PyFile, type: Node): { py: PyFile; node: Node } | undefined {
  let t = type.namedChildren[0] ?? type;
  if (t.type === 'type') t = t.namedChildren[0] ?? t;
  if (t.type !== 'identifier' && t.type !== 'attribute') return undefined;
  const sym = resolveExpr(project, py, t);
  if (sym?.kind !== 'class') return undefined;
  return isModel(project, sym.py, sym.node, 0) ? { py: sym.py, node: sym.node } : undefined;
}

function isModel(project: SourceProject, py: PyFile, cls: Node, depth: number): boolean {
  if (depth > 5) return false;
  for (const b of basesOf(cls)) {
    if (lastName(b) === 'BaseModel' || lastName(b) === 'SQLModel') return true;
    const sym = resolveExpr(project, py, b);
    if (sym?.kind === 'class' && isModel(project, sym.py, sym.node, depth + 1)) return true;
  }
  return false;
}

/** Body params from a Pydantic model's annotated fields (project base models first). */
function modelFields(project: SourceProject, py: PyFile, cls: Node, depth = 0): Param[] {
  const out: Param[] = [];
  if (depth > 5) return out;
  for (const b of basesOf(cls)) {
    const sym = resolveExpr(project, py, b);
    if (sym?.kind === 'class') out.push(...modelFields(project, sym.py, sym.node, depth + 1));
  }
  for (const s of cls.childForFieldName('body')?.namedChildren ?? []) {
    const a = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const type = a.childForFieldName('type');
    if (left?.type !== 'identifier' || !type || left.text === 'model_config') continue;
    const right = a.childForFieldName('right') ?? undefined;
    const field = right?.type === 'call' && calleeName(right) === 'Field' ? right : undefined;
    const required = field ? (markerRequired(field) ?? true) : !right;
    const p: Param = { name: left.text, in: 'body', required, evidence: at(py.file, a) };
    const t = jsonType(type);
    if (t) {
      const model = pydanticModel(project, py, type);
      p.type = model ? 'object' : t;
    }
    const v = validationsOf(field);
    if (v.length > 0) p.validations = v;
    const i = out.findIndex((q) => q.name === p.name);
    if (i >= 0) out.splice(i, 1);
    out.push(p);
  }
  return out;
}
