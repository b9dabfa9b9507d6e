/**
 * Django (and Django REST framework): URLconfs from `ROOT_URLCONF` (or every `urlpatterns` module
 * no other includes), `path()` with converters, `re_path()`/`url()` with named groups,
 * `include('dotted.module')` / `include([...])` / `include(router.urls)` with prefixes across
 * files; function views (methods from `@require_http_methods`, `@require_POST`, `@api_view`; none
 * → `*`), class-based views (one endpoint per defined or generic-implied method), DRF routers
 * (`register(prefix, ViewSet)` → the standard list/create/retrieve/update/partial_update/destroy
 * routes plus `@action` routes).
 *
 * Paths are what Django matches: the route strings of nested `path()`/`include()` concatenated as
 * they are, so `users/<int:pk>/` is `/users/{pk}/` (Django answers `/users/1` with a redirect, or
 * not at all for a POST); a router's routes end in a slash unless it was made with
 * `trailing_slash=False`; an optional trailing slash (`^user/?$`) is one route, without it; a
 * `re_path` whose regex is not otherwise a plain literal with named groups is warned about and
 * skipped rather than guessed.
 */
import { endpointSourceHash } from '../hash.js';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, Outcome, Param, SideEffect, SourceProject } from '../types.js';
import { analyseHandler, findMethod, type FunctionRef } from './analysis.js';
import { decoratorGuard, dedupeGuards, detectPython, guardFromName, loadFiles, mergeParams, sortEndpoints, toMethod, HTTP_METHOD_NAMES } from './common.js';
import {
  at,
  basesOf,
  calleeName,
  classAttributes,
  convertAnglePath,
  decoratorExpr,
  decoratorsOf,
  elements,
  endLine,
  keyword,
  lastName,
  line,
  methodsOf,
  positional,
  resolveExpr,
  resolveModule,
  resolveName,
  stringList,
  stringValue,
  type Node,
  type PyFile,
} from './tree.js';

export const djangoExtractor: Extractor = {
  name: 'django',
  language: 'python',
  entryPoint: /^\s*urlpatterns\s*=|^\s*ROOT_URLCONF\s*=/m,
  detect: (project) => detectPython(project, ['django', 'djangorestframework'], 'django'),
  extract(context) {
    try {
      return new DjangoExtraction(context).run();
    } catch (error) {
      context.warn({ file: '.', line: 1, message: `django: ${error instanceof Error ? error.message : String(error)}` });
      return [];
    }
  },
};

type Action = 'list' | 'create' | 'retrieve' | 'update' | 'partial_update' | 'destroy';
const ACTION_ROUTES: Record<Action, { method: EndpointFacts['method']; detail: boolean }> = {
  list: { method: 'GET', detail: false },
  create: { method: 'POST', detail: false },
  retrieve: { method: 'GET', detail: true },
  update: { method: 'PUT', detail: true },
  partial_update: { method: 'PATCH', detail: true },
  destroy: { method: 'DELETE', detail: true },
};
const ALL_ACTIONS = Object.keys(ACTION_ROUTES) as Action[];
/** Library bases that imply actions (viewsets) or method → action maps (generic views). */
const BASE_ACTIONS: Record<string, Action[]> = {
  ModelViewSet: ALL_ACTIONS,
  ReadOnlyModelViewSet: ['list', 'retrieve'],
  ListModelMixin: ['list'],
  CreateModelMixin: ['create'],
  RetrieveModelMixin: ['retrieve'],
  UpdateModelMixin: ['update', 'partial_update'],
  DestroyModelMixin: ['destroy'],
};
const GENERIC_VIEWS: Record<string, Partial<Record<string, Action>>> = {
  ListAPIView: { get: 'list' },
  CreateAPIView: { post: 'create' },
  RetrieveAPIView: { get: 'retrieve' },
  DestroyAPIView: { delete: 'destroy' },
  UpdateAPIView: { put: 'update', patch: 'partial_update' },
  ListCreateAPIView: { get: 'list', post: 'create' },
  RetrieveUpdateAPIView: { get: 'retrieve', put: 'update', patch: 'partial_update' },
  RetrieveDestroyAPIView: { get: 'retrieve', delete: 'destroy' },
  RetrieveUpdateDestroyAPIView: { get: 'retrieve', put: 'update', patch: 'partial_update', delete: 'destroy' },
};
const DJANGO_GENERIC: Record<string, string[]> = {
  TemplateView: ['get'],
  ListView: ['get'],
  DetailView: ['get'],
  RedirectView: ['get'],
  CreateView: ['get', 'post'],
  UpdateView: ['get', 'post'],
  DeleteView: ['get', 'post'],
  FormView: ['get', 'post'],
};
const DRF_BASES = /APIView$|ViewSet$|ViewSetMixin$/;

interface ClassInfo {
  py: PyFile;
  node: Node;
  /** Library base names reachable through project classes. */
  libraryBases: Set<string>;
  methods: Map<string, FunctionRef>;
  attrs: Map<string, { py: PyFile; node: Node }>;
  chain: { py: PyFile; node: Node }[];
}

interface Route {
  prefix: string;
  params: Param[];
}

class DjangoExtraction {
  private readonly project: SourceProject;
  private readonly endpoints: EndpointFacts[] = [];
  private files: PyFile[] = [];
  private defaults: Guard[] = [];
  private readonly visiting = new Set<string>();

  constructor(private readonly context: ExtractorContext) {
    this.project = context.project;
  }

  run(): EndpointFacts[] {
    this.files = loadFiles(this.context);
    this.defaults = this.drfDefaults();
    for (const root of this.roots()) this.urlconf(root, { prefix: '/', params: [] });
    return sortEndpoints(this.endpoints);
  }

  private warn(py: PyFile, node: Node, message: string) {
    this.context.warn({ file: py.file, line: line(node), message });
  }

  /** `ROOT_URLCONF` when a settings module names one, else every urlconf no other includes. */
  private roots(): PyFile[] {
    for (const py of this.files) {
      const v = stringValue(py.assignments.get('ROOT_URLCONF'));
      if (v) {
        const root = resolveModule(this.project, v);
        if (root) return [root];
      }
    }
    const confs = this.files.filter((py) => py.assignments.has('urlpatterns'));
    const included = new Set<string>();
    for (const py of confs) {
      for (const call of py.root.descendantsOfType('call')) {
        if (calleeName(call) !== 'include') continue;
        const m = stringValue(positional(call)[0]);
        const target = m ? resolveModule(this.project, m) : undefined;
        if (target) included.add(target.file);
      }
    }
    return confs.filter((py) => !included.has(py.file));
  }

  /** REST_FRAMEWORK default permission/authentication/throttle classes from settings (app level). */
  private drfDefaults(): Guard[] {
    const out: Guard[] = [];
    for (const py of this.files) {
      const rf = py.assignments.get('REST_FRAMEWORK');
      if (rf?.type !== 'dictionary') continue;
      for (const pair of rf.namedChildren) {
        if (pair.type !== 'pair') continue;
        const key = stringValue(pair.childForFieldName('key'));
        const kind =
          key === 'DEFAULT_PERMISSION_CLASSES'
            ? 'perm'
            : key === 'DEFAULT_AUTHENTICATION_CLASSES'
              ? 'auth'
              : key === 'DEFAULT_THROTTLE_CLASSES'
                ? 'rate'
                : undefined;
        if (!kind) continue;
        for (const el of elements(pair.childForFieldName('value') ?? undefined)) {
          const name = (stringValue(el) ?? el.text).split('.').pop()!;
          const g = classGuard(kind, name, 'app', at(py.file, el));
          if (g) out.push(g);
        }
      }
    }
    return out;
  }

  private urlconf(py: PyFile, route: Route): void {
    if (this.visiting.has(py.file)) return;
    this.visiting.add(py.file);
    for (const s of py.root.namedChildren) {
      const a = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
      if (!a) continue;
      if ((a.type === 'assignment' || a.type === 'augmented_assignment') && a.childForFieldName('left')?.text === 'urlpatterns') {
        this.patterns(py, a.childForFieldName('right') ?? undefined, route);
      } else if (a.type === 'call' && /^urlpatterns\.(append|extend)$/.test(a.childForFieldName('function')?.text ?? '')) {
        for (const arg of positional(a)) this.patterns(py, arg, route);
      }
    }
    this.visiting.delete(py.file);
  }

  /** A list of url entries, `router.urls`, `a + b`, `*router.urls`. */
  private patterns(py: PyFile, node: Node | undefined, route: Route): void {
    if (!node) return;
    if (node.type === 'binary_operator') {
      this.patterns(py, node.childForFieldName('left') ?? undefined, route);
      this.patterns(py, node.childForFieldName('right') ?? undefined, route);
      return;
    }
    if (node.type === 'list_splat' || node.type === 'parenthesized_expression') {
      this.patterns(py, node.namedChildren[0], route);
      return;
    }
    if (node.type === 'attribute' && node.childForFieldName('attribute')?.text === 'urls') {
      this.router(py, node.childForFieldName('object') ?? undefined, route);
      return;
    }
    if (node.type === 'identifier') {
      const sym = resolveName(this.project, py, node.text);
      if (sym?.kind === 'value') this.patterns(sym.py, sym.node, route);
      return;
    }
    if (node.type === 'call' && calleeName(node) === 'format_suffix_patterns') {
      this.patterns(py, positional(node)[0], route);
      return;
    }
    if (node.type !== 'list' && node.type !== 'tuple') return;
    for (const entry of node.namedChildren) {
      if (entry.type === 'call') this.entry(py, entry, route);
      else if (entry.type !== 'comment') this.patterns(py, entry, route);
    }
  }

  private entry(py: PyFile, call: Node, route: Route): void {
    const fn = calleeName(call);
    if (fn !== 'path' && fn !== 're_path' && fn !== 'url') return;
    const routeNode = positional(call)[0] ?? keyword(call, 'route');
    const text = stringValue(routeNode);
    if (text === undefined) {
      this.warn(py, call, 'cannot resolve route path statically');
      return;
    }
    const converted = fn === 'path' ? convertAnglePath(text) : convertRegex(text);
    if (!converted) {
      this.warn(py, call, `cannot convert regex route ${JSON.stringify(text)} to a path template; skipped`);
      return;
    }
    const params: Param[] = converted.params.map((p: ConvertedParam) => {
      const param: Param = { name: p.name, in: 'path', type: p.type, required: true };
      const validations = p.validations ?? (p.converter === 'uuid' || p.converter === 'slug' ? [p.converter] : undefined);
      if (validations) param.validations = validations;
      param.evidence = at(py.file, call);
      return param;
    });
    const next: Route = { prefix: djangoPath(route.prefix, converted.path), params: [...route.params, ...params] };
    const view = positional(call)[1] ?? keyword(call, 'view');
    if (!view) return;
    if (view.type === 'call' && calleeName(view) === 'include') {
      const arg = positional(view)[0];
      const mod = stringValue(arg);
      // include(('app.urls', 'app_name'), namespace=...): the module (or patterns) comes first.
      const included = arg?.type === 'tuple' ? arg.namedChildren[0] : arg;
      const module = stringValue(included);
      if (mod !== undefined || module !== undefined) {
        const name = (mod ?? module)!;
        const target = resolveModule(this.project, name);
        if (target) this.urlconf(target, next);
        else this.warn(py, view, `cannot find module ${name} for include()`);
      } else this.patterns(py, included, next);
      return;
    }
    if (view.type === 'call' && calleeName(view) === 'as_view') {
      const clsExpr = view.childForFieldName('function')?.childForFieldName('object');
      const sym = clsExpr ? resolveExpr(this.project, py, clsExpr) : undefined;
      if (sym?.kind !== 'class') {
        this.warn(py, view, `cannot resolve view ${clsExpr?.text ?? view.text}; skipped`);
        return;
      }
      const mapping = positional(view)[0];
      this.classView(this.classInfo(sym.py, sym.node), next, mapping?.type === 'dictionary' ? mapping : undefined, view);
      return;
    }
    if (/(^|\.)site\.urls$/.test(view.text)) {
      this.warn(py, view, 'django admin site mounted here; its routes are not extracted');
      return;
    }
    const sym = resolveExpr(this.project, py, view);
    if (sym?.kind !== 'function') {
      this.warn(py, view, `cannot resolve view ${view.text}; skipped`);
      return;
    }
    this.functionView({ py: sym.py, node: sym.node }, next);
  }

  private functionView(ref: FunctionRef, route: Route): void {
    let methods: string[] | undefined;
    const guards: Guard[] = [];
    const extra: FunctionRef[] = [];
    let drf = false;
    let hasPermissionDecorator = false;
    for (const d of decoratorsOf(ref.node)) {
      const expr = decoratorExpr(d);
      if (!expr) continue;
      const name = expr.type === 'call' ? calleeName(expr) : lastName(expr);
      const ev = at(ref.py.file, d);
      if (name === 'require_http_methods') methods = stringList(positional(expr)[0]) ?? ['*'];
      else if (name === 'require_GET' || name === 'require_safe') methods = ['GET'];
      else if (name === 'require_POST') methods = ['POST'];
      else if (name === 'api_view') {
        drf = true;
        methods = stringList(positional(expr)[0] ?? keyword(expr, 'http_method_names')) ?? ['GET'];
      } else if (name === 'permission_classes' || name === 'authentication_classes' || name === 'throttle_classes') {
        if (name === 'permission_classes') hasPermissionDecorator = true;
        const kind = name === 'permission_classes' ? 'perm' : name === 'authentication_classes' ? 'auth' : 'rate';
        for (const el of elements(positional(expr)[0])) {
          const g = classGuard(kind, el.text, 'handler', ev);
          if (g) guards.push(g);
        }
      } else {
        const g = decoratorGuard(expr, 'handler', ev);
        if (g) {
          guards.push(g);
          const target = expr.type === 'call' ? expr.childForFieldName('function') : expr;
          const s = target ? resolveExpr(this.project, ref.py, target) : undefined;
          if (s?.kind === 'function') extra.push({ py: s.py, node: s.node });
        }
      }
    }
    if (drf)
      guards.unshift(
        ...this.applicableDefaults(
          hasPermissionDecorator,
          guards.some((g) => g.kind === 'auth' && /Authentication$/.test(g.text)),
          guards.some((g) => g.kind === 'rate_limit'),
        ),
      );
    for (const m of methods ?? ['*']) {
      const method = m === '*' ? '*' : toMethod(m);
      if (!method) continue;
      const facts = analyseHandler({ project: this.project, framework: 'django', handler: ref, extra, ...(method !== '*' && { method }) });
      this.push(method, route, facts.handler, facts.source_hash, guards, facts, facts.params);
    }
  }

  private push(
    method: EndpointFacts['method'],
    route: Route,
    handler: string,
    hash: string,
    guards: Guard[],
    facts: { outcomes: Outcome[]; side_effects: SideEffect[]; volatile: EndpointFacts['volatile'] },
    params: Param[],
  ) {
    const access = this.access(method, guards, facts.outcomes);
    const statuses = new Set(facts.outcomes.map((o) => o.status));
    this.endpoints.push({
      method,
      path: route.prefix,
      framework: 'django',
      handler,
      params: mergeParams(route.params, params),
      guards: dedupeGuards(access.guards),
      outcomes: [...access.outcomes.filter((o) => !statuses.has(o.status)), ...facts.outcomes],
      side_effects: facts.side_effects,
      volatile: facts.volatile,
      source_hash: hash,
    });
  }

  /**
   * What DRF's authentication and permission classes mean for one method: an authentication class
   * only reads credentials (required: false); `IsAuthenticated` rejects a request without them, as
   * does `IsAuthenticatedOrReadOnly` for any but GET, HEAD and OPTIONS, with 401 when the first
   * authentication class sends a challenge (JWT, Token, Basic) and 403 otherwise (Session, or
   * none); a permission class that can refuse a signed-in user answers 403 (a project class whose
   * checks let SAFE_METHODS through refuses only the others).
   */
  private access(method: EndpointFacts['method'], guards: readonly Guard[], handlerOutcomes: Outcome[]): { guards: Guard[]; outcomes: Outcome[] } {
    const safe = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
    const authentication = guards.filter((g) => g.kind === 'auth' && /Authentication$/.test(g.text));
    const challenge = authentication.length > 0 && !/Session/.test(authentication[0]!.text);
    const drf = guards.some((g) => /Authentication$|^(IsAuthenticated|IsAuthenticatedOrReadOnly|AllowAny)$/.test(g.text.split('.').pop() ?? ''));
    // Without a challenge to send, DRF answers its authentication exceptions with 403, not 401.
    if (!challenge && (drf || authentication.length === 0)) {
      for (const o of handlerOutcomes) if (o.status === 401 && this.raisesAuthenticationError(o)) o.status = 403;
    }
    const looksUpObject = handlerOutcomes.some((o) => o.status === 404);
    const outcomes: Outcome[] = [];
    const out = guards.map((g): Guard => {
      const short = g.text.split('.').pop() ?? g.text;
      if (g.kind === 'auth' && /Authentication$/.test(g.text)) return { ...g, required: false };
      if (g.kind === 'auth' && (short === 'IsAuthenticated' || short === 'IsAuthenticatedOrReadOnly')) {
        const required = short === 'IsAuthenticated' || !safe;
        if (required) outcomes.push({ status: challenge ? 401 : 403, when: `no valid credentials (${short})`, ...(g.evidence && { evidence: g.evidence }) });
        return { ...g, required };
      }
      if (g.kind === 'authz' && this.canRefuse(short, g, safe, looksUpObject)) {
        const evidence = g.evidence ? { evidence: g.evidence } : {};
        outcomes.push({ status: 403, when: `${short} refuses the request`, ...evidence });
        // DRF answers a refused request that carried no credentials as not authenticated.
        if (authentication.length > 0 && challenge) outcomes.push({ status: 401, when: `no valid credentials (${short})`, ...evidence });
        // IsAdminUser refuses every request without a signed-in staff user: it requires credentials.
        if (short === 'IsAdminUser') return { ...g, required: true };
      }
      return g;
    });
    return { guards: out, outcomes };
  }

  /**
   * Whether a permission class can refuse this method: a project class that lets SAFE_METHODS
   * through does not refuse a read, and one with only `has_object_permission` refuses only where
   * an object is looked up.
   */
  private canRefuse(name: string, guard: Guard, safe: boolean, looksUpObject: boolean): boolean {
    const file = guard.evidence?.slice(0, guard.evidence.lastIndexOf(':'));
    const py = this.files.find((f) => f.file === file);
    const sym = py ? resolveName(this.project, py, name) : undefined;
    if (sym?.kind !== 'class') return true;
    const methods = methodsOf(sym.node);
    if (!methods.has('has_permission') && methods.has('has_object_permission') && !looksUpObject) return false;
    return !safe || !/\bSAFE_METHODS\b/.test(sym.node.text);
  }

  /** An outcome raised as DRF's AuthenticationFailed or NotAuthenticated (read at its evidence line). */
  private raisesAuthenticationError(outcome: Outcome): boolean {
    if (!outcome.evidence) return false;
    const colon = outcome.evidence.lastIndexOf(':');
    const py = this.files.find((f) => f.file === outcome.evidence!.slice(0, colon));
    const text = py?.source.split('\n')[Number(outcome.evidence.slice(colon + 1)) - 1] ?? '';
    return /\b(AuthenticationFailed|NotAuthenticated)\b/.test(text);
  }

  private classInfo(py: PyFile, node: Node): ClassInfo {
    const info: ClassInfo = { py, node, libraryBases: new Set(), methods: new Map(), attrs: new Map(), chain: [] };
    const visit = (p: PyFile, cls: Node, depth: number) => {
      if (depth > 6) return;
      info.chain.push({ py: p, node: cls });
      for (const [name, m] of methodsOf(cls)) if (!info.methods.has(name)) info.methods.set(name, { py: p, node: m });
      for (const [name, v] of classAttributes(cls)) if (!info.attrs.has(name)) info.attrs.set(name, { py: p, node: v });
      for (const b of basesOf(cls)) {
        const sym = resolveExpr(this.project, p, b);
        if (sym?.kind === 'class') visit(sym.py, sym.node, depth + 1);
        else info.libraryBases.add(lastName(b));
      }
    };
    visit(py, node, 0);
    return info;
  }

  /** Guards of a class view: mixins, `method_decorator(...)`, permission/authentication/throttle classes. */
  private classGuards(info: ClassInfo, overridden: ReadonlySet<'perm' | 'auth' | 'rate'> = new Set()): { guards: Guard[]; refs: FunctionRef[] } {
    const guards: Guard[] = [];
    const refs: FunctionRef[] = [];
    for (const { py, node } of info.chain) {
      for (const b of basesOf(node)) {
        const name = lastName(b);
        if (!/Mixin$/.test(name)) continue;
        const g = guardFromName(name, 'controller', at(py.file, b));
        if (g) guards.push(g);
      }
      for (const d of decoratorsOf(node)) {
        const expr = decoratorExpr(d);
        if (expr?.type !== 'call' || calleeName(expr) !== 'method_decorator') continue;
        for (const el of elements(positional(expr)[0])) {
          const g = decoratorGuard(el, 'controller', at(py.file, d));
          if (g) guards.push(g);
        }
      }
    }
    const drf = [...info.libraryBases].some((b) => DRF_BASES.test(b) || GENERIC_VIEWS[b] !== undefined);
    const attrGuards = (attr: string, kind: 'perm' | 'auth' | 'rate') => {
      // An @action's own classes replace the class's (and the settings' defaults).
      if (overridden.has(kind)) return true;
      const v = info.attrs.get(attr);
      if (!v) return false;
      for (const el of elements(v.node)) {
        const g = classGuard(kind, el.text, 'controller', at(v.py.file, el));
        if (g) guards.push(g);
      }
      return true;
    };
    const hasPerm = attrGuards('permission_classes', 'perm');
    const hasAuth = attrGuards('authentication_classes', 'auth');
    const hasRate = attrGuards('throttle_classes', 'rate');
    if (drf) guards.unshift(...this.applicableDefaults(hasPerm, hasAuth, hasRate));
    return { guards, refs };
  }

  /** The settings' default classes a view has not overridden (permission, authentication, throttle). */
  private applicableDefaults(hasPerm: boolean, hasAuth: boolean, hasRate: boolean): Guard[] {
    return this.defaults.filter((g) => {
      const isAuthentication = g.kind === 'auth' && /Authentication$/.test(g.text);
      return g.kind === 'rate_limit' ? !hasRate : isAuthentication ? !hasAuth : !hasPerm;
    });
  }

  private classView(info: ClassInfo, route: Route, mapping: Node | undefined, site: Node): void {
    const { guards } = this.classGuards(info);
    const allowed = stringList(info.attrs.get('http_method_names')?.node);
    const methods: { verb: string; action?: string }[] = [];
    if (mapping) {
      for (const pair of mapping.namedChildren) {
        if (pair.type !== 'pair') continue;
        const verb = stringValue(pair.childForFieldName('key'));
        const action = stringValue(pair.childForFieldName('value'));
        if (verb && action) methods.push({ verb, action });
      }
    } else {
      for (const verb of HTTP_METHOD_NAMES) {
        if (verb === 'head' || verb === 'options') continue;
        if (info.methods.has(verb)) {
          methods.push({ verb });
          continue;
        }
        for (const b of info.libraryBases) {
          const action = GENERIC_VIEWS[b]?.[verb];
          if (action) methods.push({ verb, action });
          else if (DJANGO_GENERIC[b]?.includes(verb)) methods.push({ verb, action: verb === 'get' ? 'retrieve' : 'create' });
        }
      }
    }
    if (methods.length === 0) this.warn(info.py, site, `view ${info.node.childForFieldName('name')?.text ?? '?'} defines no HTTP method handlers`);
    const done = new Set<string>();
    for (const { verb, action } of methods) {
      if (allowed && !allowed.includes(verb)) continue;
      const method = toMethod(verb);
      if (!method || done.has(method)) continue;
      done.add(method);
      this.action(info, route, method, action ?? verb, guards, action !== undefined);
    }
  }

  /** One endpoint of a class: its own (or inherited project) method, or the library's standard action. */
  private action(
    info: ClassInfo,
    route: Route,
    method: EndpointFacts['method'],
    name: string,
    classGuards: Guard[],
    standard: boolean,
    extraGuards: Guard[] = [],
  ) {
    const ref = info.methods.get(name) ?? (standard ? undefined : info.methods.get(method.toLowerCase()));
    const guards = [...classGuards, ...extraGuards];
    if (ref) {
      for (const d of decoratorsOf(ref.node)) {
        const expr = decoratorExpr(d);
        if (!expr) continue;
        const inner = expr.type === 'call' && calleeName(expr) === 'method_decorator' ? positional(expr)[0] : expr;
        const g = inner ? decoratorGuard(inner, 'handler', at(ref.py.file, d)) : undefined;
        if (g) guards.push(g);
      }
      const facts = analyseHandler({ project: this.project, framework: 'django', handler: ref, ...(method !== '*' && { method }) });
      this.objectLookup(info, facts);
      this.push(method, route, facts.handler, facts.source_hash, guards, facts, facts.params);
      return;
    }
    const facts = standardAction(info, name as Action);
    const span = { file: info.py.file, start: line(info.node), end: endLine(info.node), text: info.node.text };
    const helpers = ['get_queryset', 'get_object', 'perform_create', 'perform_update', 'perform_destroy', 'get_serializer_class']
      .map((m) => findMethod(this.project, info.py, info.node, m))
      .filter((r): r is FunctionRef => r !== undefined);
    for (const h of helpers) {
      const hf = analyseHandler({ project: this.project, framework: 'django', handler: h });
      facts.outcomes.push(...hf.outcomes.filter((o) => o.status >= 400));
      facts.side_effects.push(...hf.side_effects);
      facts.volatile.push(...hf.volatile);
    }
    const hash = endpointSourceHash(
      span,
      helpers.map((h) => ({ file: h.py.file, start: line(h.node), end: endLine(h.node), text: h.node.text })),
    );
    this.objectLookup(info, facts);
    this.push(method, route, `${span.file}:${span.start}-${span.end}`, hash, guards, facts, []);
  }

  /**
   * `self.get_object()` answers 404 when nothing matches, unless the class overrides get_object
   * (`return self.request.user`): then what the override can answer replaces that 404.
   */
  private objectLookup(info: ClassInfo, facts: { outcomes: Outcome[] }): void {
    const own = info.methods.get('get_object');
    if (!own) return;
    const lookups = facts.outcomes.filter((o) => o.status === 404 && o.when === 'no object matches the lookup');
    if (lookups.length === 0) return;
    facts.outcomes = facts.outcomes.filter((o) => !lookups.includes(o));
    const overridden = analyseHandler({ project: this.project, framework: 'django', handler: own });
    facts.outcomes.push(...overridden.outcomes.filter((o) => o.status >= 400));
  }

  /** `router.urls`: every `router.register(prefix, ViewSet)` of that router. */
  private router(py: PyFile, expr: Node | undefined, route: Route): void {
    if (expr?.type !== 'identifier') return;
    let home = py;
    let name = expr.text;
    if (!py.assignments.has(name)) {
      const sym = resolveName(this.project, py, name);
      if (sym?.kind !== 'value') return;
      home = sym.py;
      name = sym.name;
    }
    // DefaultRouter() and SimpleRouter() end every route in a slash, unless made with trailing_slash=False.
    const made = home.assignments.get(name);
    const trailing = made?.type === 'call' ? keyword(made, 'trailing_slash') : undefined;
    const slash = trailing?.text === 'False' ? '' : '/';
    for (const call of home.root.descendantsOfType('call')) {
      if (call.childForFieldName('function')?.text !== `${name}.register`) continue;
      const prefixNode = positional(call)[0] ?? keyword(call, 'prefix');
      const prefix = stringValue(prefixNode);
      if (prefix === undefined) {
        this.warn(home, call, 'cannot resolve route path statically');
        continue;
      }
      const vs = positional(call)[1] ?? keyword(call, 'viewset');
      const sym = vs ? resolveExpr(this.project, home, vs) : undefined;
      if (sym?.kind !== 'class') {
        this.warn(home, call, `cannot resolve viewset ${vs?.text ?? '?'}; skipped`);
        continue;
      }
      const conv = convertRegex(prefix);
      if (!conv) {
        this.warn(home, call, `cannot convert router prefix ${JSON.stringify(prefix)}; skipped`);
        continue;
      }
      this.viewset(this.classInfo(sym.py, sym.node), slash, {
        prefix: djangoPath(route.prefix, conv.path),
        params: [
          ...route.params,
          ...conv.params.map((p) => ({ name: p.name, in: 'path' as const, type: p.type, required: true, evidence: at(home.file, call) })),
        ],
      });
    }
  }

  /** A registered viewset: `route.prefix` is the router's prefix, without the slash `slash` ('/' or '') ends each route in. */
  private viewset(info: ClassInfo, slash: string, route: Route): void {
    const { guards } = this.classGuards(info);
    const lookup = stringValue(info.attrs.get('lookup_url_kwarg')?.node) ?? stringValue(info.attrs.get('lookup_field')?.node) ?? 'pk';
    const lookupParam: Param = { name: lookup, in: 'path', type: 'string', required: true, evidence: at(info.py.file, info.node) };
    const detail: Route = { prefix: djangoPath(route.prefix, `/{${lookup}}`), params: [...route.params, lookupParam] };
    const list: Route = { prefix: djangoPath(route.prefix, slash), params: route.params };
    const detailRoute: Route = { prefix: djangoPath(detail.prefix, slash), params: detail.params };
    const actions = new Set<Action>();
    for (const b of info.libraryBases) for (const a of BASE_ACTIONS[b] ?? []) actions.add(a);
    for (const a of ALL_ACTIONS) if (info.methods.has(a)) actions.add(a);
    const allowed = stringList(info.attrs.get('http_method_names')?.node);
    for (const a of ALL_ACTIONS) {
      if (!actions.has(a)) continue;
      const { method, detail: isDetail } = ACTION_ROUTES[a];
      if (allowed && !allowed.includes(method.toLowerCase())) continue;
      this.action(info, isDetail ? detailRoute : list, method, a, guards, true);
    }
    // @action(detail=..., methods=[...], url_path=...) extra routes.
    for (const [name, ref] of info.methods) {
      for (const d of decoratorsOf(ref.node)) {
        const expr = decoratorExpr(d);
        if (expr?.type !== 'call' || calleeName(expr) !== 'action') continue;
        const isDetail = keyword(expr, 'detail')?.text === 'True';
        const urlPath = stringValue(keyword(expr, 'url_path')) ?? name;
        const methods = stringList(keyword(expr, 'methods')) ?? ['get'];
        const extra: Guard[] = [];
        const overridden = new Set<'perm' | 'auth' | 'rate'>();
        for (const [attr, kind] of [
          ['permission_classes', 'perm'],
          ['authentication_classes', 'auth'],
          ['throttle_classes', 'rate'],
        ] as const) {
          const given = keyword(expr, attr);
          if (!given) continue;
          overridden.add(kind);
          for (const el of elements(given)) {
            const g = classGuard(kind, el.text, 'handler', at(ref.py.file, el));
            if (g) extra.push(g);
          }
        }
        const base = isDetail ? detail : route;
        const r: Route = { prefix: djangoPath(base.prefix, `/${urlPath}${slash}`), params: base.params };
        const actionGuards = overridden.size > 0 ? this.classGuards(info, overridden).guards : guards;
        for (const m of methods) {
          const method = toMethod(m);
          if (method) this.action(info, r, method, name, actionGuards, false, extra);
        }
      }
    }
  }
}

/** A DRF permission/authentication/throttle class as a guard. `AllowAny` is no guard. */
function classGuard(kind: 'perm' | 'auth' | 'rate', name: string, level: Guard['level'], evidence: string): Guard | undefined {
  const text = name.replace(/\s+/g, ' ').trim();
  if (kind === 'rate') return { kind: 'rate_limit', text, level, evidence };
  if (kind === 'auth') return { kind: 'auth', text, level, evidence };
  if (/AllowAny/.test(text)) return undefined;
  const short = text.split('.').pop() ?? text;
  const k: Guard['kind'] = /^IsAuthenticated(OrReadOnly)?$/.test(short) ? 'auth' : 'authz';
  return { kind: k, text, level, evidence };
}

/** The model of a view: `queryset = Order.objects...` or `model = Order`. */
function modelOfClass(info: ClassInfo): string | undefined {
  const qs = info.attrs.get('queryset')?.node.text;
  const m = qs ? /^([A-Z]\w*)\.objects\b/.exec(qs) : undefined;
  if (m) return m[1];
  const model = info.attrs.get('model')?.node.text;
  return model && /^[A-Z]\w*$/.test(model) ? model : undefined;
}

/** What DRF's (or Django's generic) standard action does, cited at the class. */
function standardAction(info: ClassInfo, action: Action): { outcomes: Outcome[]; side_effects: SideEffect[]; volatile: EndpointFacts['volatile'] } {
  const evidence = at(info.py.file, info.node);
  const outcomes: Outcome[] = [];
  const model = modelOfClass(info);
  const side_effects: SideEffect[] = [];
  const isDjangoGeneric = [...info.libraryBases].some((b) => DJANGO_GENERIC[b] !== undefined);
  switch (action) {
    case 'list':
      outcomes.push({ status: 200, evidence });
      if (model) side_effects.push({ kind: 'db_read', target: model, evidence });
      break;
    case 'retrieve':
      outcomes.push({ status: 200, evidence });
      if (!isDjangoGeneric || info.libraryBases.has('DetailView') || info.libraryBases.has('UpdateView')) {
        if (
          !info.libraryBases.has('TemplateView') &&
          !info.libraryBases.has('ListView') &&
          !info.libraryBases.has('FormView') &&
          !info.libraryBases.has('CreateView')
        )
          outcomes.push({ status: 404, when: 'no object matches the lookup', evidence });
      }
      if (model) side_effects.push({ kind: 'db_read', target: model, evidence });
      break;
    case 'create':
      outcomes.push({ status: isDjangoGeneric ? 302 : 201, evidence });
      outcomes.push({ status: isDjangoGeneric ? 200 : 400, when: 'invalid data', evidence });
      if (model) side_effects.push({ kind: 'db_write', target: model, evidence });
      break;
    case 'update':
    case 'partial_update':
      outcomes.push(
        { status: 200, evidence },
        { status: 400, when: 'invalid data', evidence },
        { status: 404, when: 'no object matches the lookup', evidence },
      );
      if (model) side_effects.push({ kind: 'db_write', target: model, evidence });
      break;
    case 'destroy':
      outcomes.push({ status: 204, evidence }, { status: 404, when: 'no object matches the lookup', evidence });
      if (model) side_effects.push({ kind: 'db_write', target: model, evidence });
      break;
  }
  return { outcomes, side_effects, volatile: [] };
}

interface ConvertedParam {
  name: string;
  type: string;
  converter: string;
  validations?: string[];
}

/**
 * `^articles/(?P<year>[0-9]{4})/$` → `articles/{year}`. Undefined when anything but literal text
 * and named groups remains (alternations, optional parts, unnamed groups): those are not guessed.
 */
/** Route strings concatenated as Django does (no slash added), with a leading slash and no doubled ones. */
function djangoPath(prefix: string, part: string): string {
  return `/${prefix}${part}`.replace(/\/{2,}/g, '/');
}

export function convertRegex(regex: string): { path: string; params: ConvertedParam[] } | undefined {
  // An optional trailing slash (`^user/?$`) matches both: one route, written without it.
  const s = regex
    .replace(/^\^/, '')
    .replace(/(\$|\\Z)$/, '')
    .replace(/(\\?\/\?|\(\?:\\?\/\)\?)$/, '');
  const params: ConvertedParam[] = [];
  let out = '';
  /** What is left to check for regex syntax: everything but named groups and escaped literals. */
  let bare = '';
  for (let i = 0; i < s.length;) {
    if (s.startsWith('(?P<', i)) {
      const close = s.indexOf('>', i);
      const name = s.slice(i + 4, close);
      let depth = 1;
      let j = close + 1;
      for (; j < s.length && depth > 0; j++) {
        if (s[j] === '\\') j++;
        else if (s[j] === '(') depth++;
        else if (s[j] === ')') depth--;
      }
      const pattern = s.slice(close + 1, j - 1);
      if (!/^\w+$/.test(name) || depth !== 0) return undefined;
      const integer = /^(\\d|\[0-9\])(\+|\{\d+(,\d*)?\})$/.test(pattern);
      params.push({ name, type: integer ? 'integer' : 'string', converter: 're', validations: [`pattern: ${pattern}`] });
      out += `{${name}}`;
      i = j;
      continue;
    }
    if (s[i] === '\\' && i + 1 < s.length && /[./\-_~]/.test(s[i + 1]!)) {
      out += s[i + 1];
      i += 2;
      continue;
    }
    out += s[i];
    bare += s[i];
    i++;
  }
  if (/[\\^$*+?()[\]{}|.]/.test(bare)) return undefined;
  return { path: out, params };
}
