/**
 * Flask: `@app.route` / `@bp.get` decorated views, `add_url_rule` (functions and `MethodView`
 * classes via `as_view`), Blueprints with their `url_prefix`, registered on the app or on other
 * blueprints (`register_blueprint(bp, url_prefix=...)`: a registration prefix replaces the
 * blueprint's own, as Flask does), across modules. Converters `<int:id>` become `{id}` with a
 * typed path param. Guards come from view decorators, `MethodView.decorators`, and
 * `before_request` hooks that abort with 401/403 (blueprint hooks at router level, app hooks at
 * app level). Flask's implicit HEAD and OPTIONS are not listed.
 */
import type { EndpointFacts, Extractor, ExtractorContext, Guard, Param } from '../types.js';
import { analyseHandler, type FunctionRef } from './analysis.js';
import {
  decoratorGuard,
  dedupeGuards,
  detectPython,
  libraryAuthOutcomes,
  loadFiles,
  mergeParams,
  sortEndpoints,
  toMethod,
  HTTP_METHOD_NAMES,
} from './common.js';
import {
  at,
  calleeName,
  classAttributes,
  convertAnglePath,
  decoratorExpr,
  decoratorsOf,
  elements,
  enclosingClass,
  joinPaths,
  keyword,
  line,
  methodsOf,
  positional,
  resolveExpr,
  resolveName,
  stringList,
  stringValue,
  walk,
  type Node,
  type PyFile,
} from './tree.js';

type Target = { kind: 'app' } | { kind: 'bp'; key: string };

/**
 * A rule joined under its prefix as Flask registers it: a rule ending in `/` keeps that slash
 * (`'/'` under `/users` is `/users/`; Flask answers `/users` with a 308 redirect), while an empty
 * rule under a prefix stays without one.
 */
export function flaskPath(prefix: string, rule: string): string {
  const joined = joinPaths(prefix, rule);
  return rule.endsWith('/') && joined !== '/' ? `${joined}/` : joined;
}

interface Blueprint {
  key: string;
  py: PyFile;
  name: string;
  /** The blueprint's own url_prefix; null when given but not literal. */
  prefix: string | undefined | null;
  line: number;
}

interface Registration {
  parent: Target;
  /** The url_prefix given at registration, when given. */
  prefix: string | undefined;
}

interface Mount {
  prefix: string;
  /** Blueprint keys from the outermost down to this one, for their before_request hooks. */
  chain: string[];
}

interface Hook {
  ref: FunctionRef;
  kind: Guard['kind'];
  evidence: string;
}

export const flaskExtractor: Extractor = {
  name: 'flask',
  language: 'python',
  entryPoint: /\bFlask\(|\bBlueprint\(/,
  detect: (project) => detectPython(project, ['flask'], 'flask'),
  extract(context) {
    try {
      return extractFlask(context);
    } catch (error) {
      context.warn({ file: '.', line: 1, message: `flask: ${error instanceof Error ? error.message : String(error)}` });
      return [];
    }
  },
};

function extractFlask(context: ExtractorContext): EndpointFacts[] {
  const { project } = context;
  const files = loadFiles(context);
  const blueprints = new Map<string, Blueprint>();
  const apps = new Set<string>();
  const locals = new Map<PyFile, Map<string, Node>>();

  // Pass 1: Flask() and Blueprint() objects, wherever they are assigned.
  for (const py of files) {
    const bound = new Map<string, Node>();
    locals.set(py, bound);
    for (const n of walk(py.root)) {
      if (n.type !== 'assignment') continue;
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left?.type !== 'identifier' || right?.type !== 'call') continue;
      bound.set(left.text, right);
      const ctor = calleeName(right);
      if (ctor === 'Flask') apps.add(`${py.file}#${left.text}`);
      if (ctor === 'Blueprint') {
        const p = keyword(right, 'url_prefix');
        const prefix = p === undefined ? undefined : (stringValue(p) ?? null);
        if (prefix === null) context.warn({ file: py.file, line: line(right), message: 'cannot resolve blueprint url_prefix statically' });
        blueprints.set(`${py.file}#${left.text}`, { key: `${py.file}#${left.text}`, py, name: left.text, prefix, line: line(right) });
      }
    }
  }
  const importsFlask = (py: PyFile) => [...py.imports.values()].some((r) => r.module === 'flask' || r.module.startsWith('flask.'));

  const targetOf = (py: PyFile, expr: Node | null | undefined, lenient: boolean): Target | undefined => {
    if (!expr || expr.type !== 'identifier') return undefined;
    const local = `${py.file}#${expr.text}`;
    if (blueprints.has(local)) return { kind: 'bp', key: local };
    if (apps.has(local)) return { kind: 'app' };
    const sym = resolveName(project, py, expr.text);
    if (sym?.kind === 'value') {
      const key = `${sym.py.file}#${sym.name}`;
      if (blueprints.has(key)) return { kind: 'bp', key };
      if (apps.has(key)) return { kind: 'app' };
    }
    return lenient && importsFlask(py) && /app/i.test(expr.text) ? { kind: 'app' } : undefined;
  };
  const keyOf = (t: Target) => (t.kind === 'app' ? 'app' : t.key);

  // Pass 2: registrations and before_request hooks.
  const registrations = new Map<string, Registration[]>();
  const hooks = new Map<string, Hook[]>();
  const addHook = (owner: string, py: PyFile, fnExpr: Node | undefined, site: Node) => {
    if (!fnExpr) return;
    const sym = fnExpr.type === 'function_definition' ? { kind: 'function' as const, py, node: fnExpr } : resolveExpr(project, py, fnExpr);
    if (sym?.kind !== 'function') return;
    const text = sym.node.text;
    const aborts = new Set([...text.matchAll(/abort\(\s*(40[13])|,\s*(40[13])\s*$|\b(Unauthorized|Forbidden)\b/gm)].map((m) => m[1] ?? m[2] ?? m[3]));
    if (aborts.size === 0) return;
    const kind: Guard['kind'] = aborts.has('401') || aborts.has('Unauthorized') ? 'auth' : 'authz';
    const list = hooks.get(owner) ?? [];
    list.push({ ref: { py: sym.py, node: sym.node }, kind, evidence: at(py.file, site) });
    hooks.set(owner, list);
  };
  for (const py of files) {
    for (const call of py.root.descendantsOfType('call')) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'attribute') continue;
      const method = fn.childForFieldName('attribute')?.text;
      const owner = targetOf(py, fn.childForFieldName('object'), false);
      if (!owner) continue;
      if (method === 'register_blueprint') {
        const child = targetOf(py, positional(call)[0], false);
        if (child?.kind !== 'bp') continue;
        const p = keyword(call, 'url_prefix');
        const prefix = p === undefined ? undefined : stringValue(p);
        if (p !== undefined && prefix === undefined) {
          context.warn({ file: py.file, line: line(call), message: 'cannot resolve route path statically' });
          continue;
        }
        const list = registrations.get(child.key) ?? [];
        list.push({ parent: owner, prefix });
        registrations.set(child.key, list);
      } else if (method === 'before_request' || method === 'before_app_request') {
        const isDecorator = call.parent?.type === 'decorator';
        const owning = method === 'before_app_request' ? 'app' : keyOf(owner);
        if (!isDecorator) addHook(owning, py, positional(call)[0], call);
      }
    }
    for (const d of py.root.descendantsOfType('decorator')) {
      const expr = decoratorExpr(d);
      if (expr?.type !== 'attribute') continue;
      const method = expr.childForFieldName('attribute')?.text;
      if (method !== 'before_request' && method !== 'before_app_request') continue;
      const owner = targetOf(py, expr.childForFieldName('object'), true);
      const def = d.parent?.childForFieldName('definition');
      if (owner && def) addHook(method === 'before_app_request' ? 'app' : keyOf(owner), py, def, d);
    }
  }

  const warnedUnregistered = new Set<string>();
  const mounts = (key: string, seen: Set<string> = new Set()): Mount[] => {
    if (seen.has(key)) return [];
    const bp = blueprints.get(key);
    if (!bp) return [];
    const own = bp.prefix ?? '';
    const regs = registrations.get(key);
    if (!regs) {
      if (!warnedUnregistered.has(key)) {
        warnedUnregistered.add(key);
        context.warn({ file: bp.py.file, line: bp.line, message: `blueprint ${bp.name} is never registered statically; assuming its own url_prefix` });
      }
      return [{ prefix: own, chain: [key] }];
    }
    const out: Mount[] = [];
    for (const r of regs) {
      const mine = r.prefix ?? own;
      const parents = r.parent.kind === 'app' ? [{ prefix: '', chain: [] as string[] }] : mounts(r.parent.key, new Set([...seen, key]));
      for (const p of parents) out.push({ prefix: joinPaths(p.prefix, mine), chain: [...p.chain, key] });
    }
    return out;
  };

  const endpoints: EndpointFacts[] = [];
  const emit = (py: PyFile, target: Target, rule: string, methods: string[], handler: FunctionRef, handlerGuards: Guard[], extra: FunctionRef[]) => {
    const { path: converted, params: pathParams } = convertAnglePath(rule);
    const where = target.kind === 'app' ? [{ prefix: '', chain: [] as string[] }] : mounts(target.key);
    for (const mount of where) {
      const guards: Guard[] = [];
      const hookRefs: FunctionRef[] = [];
      for (const h of hooks.get('app') ?? []) {
        guards.push({ kind: h.kind, text: `before_request: ${h.ref.node.childForFieldName('name')?.text ?? '?'}`, level: 'app', evidence: h.evidence });
        hookRefs.push(h.ref);
      }
      for (const k of mount.chain) {
        for (const h of hooks.get(k) ?? []) {
          guards.push({ kind: h.kind, text: `before_request: ${h.ref.node.childForFieldName('name')?.text ?? '?'}`, level: 'router', evidence: h.evidence });
          hookRefs.push(h.ref);
        }
      }
      guards.push(...handlerGuards);
      // A view serving several methods is read once per method: its `if request.method == 'POST':` branches are that method's.
      const factsFor = (method: string) =>
        analyseHandler({ project, framework: 'flask', handler, extra: [...hookRefs, ...extra], ...(method !== '*' && { method }) });
      const params: Param[] = pathParams.map((p) => ({
        name: p.name,
        in: 'path',
        type: p.type,
        required: true,
        ...(p.converter === 'uuid' ? { validations: ['uuid'] } : {}),
        evidence: at(py.file, handler.node),
      }));
      for (const m of methods) {
        const method = m === '*' ? '*' : toMethod(m);
        if (!method || method === 'HEAD' || method === 'OPTIONS') continue;
        const facts = factsFor(method);
        const statuses = new Set(facts.outcomes.map((o) => o.status));
        const library = guards.flatMap((g) =>
          libraryAuthOutcomes(
            g,
            extra.some((ref) => g.text.startsWith(ref.node.childForFieldName('name')?.text ?? '\0')),
          ),
        );
        endpoints.push({
          method,
          path: flaskPath(mount.prefix, converted),
          framework: 'flask',
          handler: facts.handler,
          params: mergeParams(params, facts.params),
          guards: dedupeGuards(guards),
          outcomes: [...library.filter((o) => !statuses.has(o.status)), ...facts.outcomes],
          side_effects: facts.side_effects,
          volatile: facts.volatile,
          source_hash: facts.source_hash,
        });
      }
    }
  };

  /** Guards from a function's own decorators (not the route decorators), and the project functions behind them. */
  const decoratorGuards = (py: PyFile, def: Node, level: Guard['level']): { guards: Guard[]; refs: FunctionRef[] } => {
    const guards: Guard[] = [];
    const refs: FunctionRef[] = [];
    for (const d of decoratorsOf(def)) {
      const expr = decoratorExpr(d);
      if (!expr) continue;
      const g = decoratorGuard(expr, level, at(py.file, d));
      if (!g) continue;
      guards.push(g);
      const target = expr.type === 'call' ? expr.childForFieldName('function') : expr;
      const sym = target ? resolveExpr(project, py, target) : undefined;
      if (sym?.kind === 'function') refs.push({ py: sym.py, node: sym.node });
    }
    return { guards, refs };
  };

  const methodsArg = (py: PyFile, call: Node): string[] | undefined => {
    const m = keyword(call, 'methods');
    if (m === undefined) return undefined;
    const list = stringList(m);
    if (list === undefined) {
      context.warn({ file: py.file, line: line(m), message: 'cannot resolve route methods statically; assuming any method' });
      return ['*'];
    }
    return list;
  };

  // Pass 3: routes.
  for (const py of files) {
    for (const d of py.root.descendantsOfType('decorator')) {
      const expr = decoratorExpr(d);
      if (expr?.type !== 'call') continue;
      const fn = expr.childForFieldName('function');
      if (fn?.type !== 'attribute') continue;
      const verb = fn.childForFieldName('attribute')?.text ?? '';
      if (verb !== 'route' && !(HTTP_METHOD_NAMES as readonly string[]).includes(verb)) continue;
      const target = targetOf(py, fn.childForFieldName('object'), true);
      const def = d.parent?.childForFieldName('definition');
      if (!target || def?.type !== 'function_definition') continue;
      const ruleNode = positional(expr)[0] ?? keyword(expr, 'rule');
      const rule = stringValue(ruleNode);
      if (rule === undefined) {
        context.warn({ file: py.file, line: line(d), message: 'cannot resolve route path statically' });
        continue;
      }
      const methods = verb === 'route' ? (methodsArg(py, expr) ?? ['GET']) : [verb.toUpperCase()];
      const { guards, refs } = decoratorGuards(py, def, 'handler');
      emit(py, target, rule, methods, { py, node: def }, guards, refs);
    }
    for (const call of py.root.descendantsOfType('call')) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'add_url_rule') continue;
      const target = targetOf(py, fn.childForFieldName('object'), true);
      if (!target) continue;
      const ruleNode = positional(call)[0] ?? keyword(call, 'rule');
      const rule = stringValue(ruleNode);
      if (rule === undefined) {
        context.warn({ file: py.file, line: line(call), message: 'cannot resolve route path statically' });
        continue;
      }
      let view = keyword(call, 'view_func') ?? positional(call)[2];
      if (view?.type === 'identifier' && !resolveName(project, py, view.text)) {
        // `view = UserAPI.as_view('users')` bound in the same function.
        const bound = locals.get(py)?.get(view.text);
        if (bound) view = bound;
      }
      if (!view) continue;
      const explicit = methodsArg(py, call);
      if (view.type === 'call' && calleeName(view) === 'as_view') {
        const clsExpr = view.childForFieldName('function')?.childForFieldName('object');
        const sym = clsExpr ? resolveExpr(project, py, clsExpr) : undefined;
        if (sym?.kind !== 'class') continue;
        const methods = methodsOf(sym.node);
        const attrs = classAttributes(sym.node);
        const classGuards: Guard[] = [];
        const classRefs: FunctionRef[] = [];
        for (const g of elements(attrs.get('decorators'))) {
          const guard = decoratorGuard(g, 'controller', at(sym.py.file, g));
          if (!guard) continue;
          classGuards.push(guard);
          const s = resolveExpr(project, sym.py, g.type === 'call' ? (g.childForFieldName('function') ?? g) : g);
          if (s?.kind === 'function') classRefs.push({ py: s.py, node: s.node });
        }
        const declared = stringList(attrs.get('methods'));
        for (const name of HTTP_METHOD_NAMES) {
          const m = methods.get(name);
          const verb = name.toUpperCase();
          if (!m && !(declared?.includes(verb) && methods.get('dispatch_request'))) continue;
          if (explicit && !explicit.includes(verb) && !explicit.includes('*')) continue;
          const handler = m ?? methods.get('dispatch_request')!;
          const { guards, refs } = decoratorGuards(sym.py, handler, 'handler');
          emit(py, target, rule, [verb], { py: sym.py, node: handler }, [...classGuards, ...guards], [...classRefs, ...refs]);
        }
        continue;
      }
      const sym = resolveExpr(project, py, view);
      if (sym?.kind !== 'function' || enclosingClass(sym.node)) continue;
      const { guards, refs } = decoratorGuards(sym.py, sym.node, 'handler');
      emit(py, target, rule, explicit ?? ['GET'], { py: sym.py, node: sym.node }, guards, refs);
    }
  }
  return sortEndpoints(endpoints);
}
