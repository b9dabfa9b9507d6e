/**
 * The route interpreter shared by the four Go extractors. It walks the functions that build
 * routers (from the ones nobody calls, such as `main`, into the functions they call with a
 * router), statement by statement, tracking which variables hold which router (an app, a group,
 * a chi sub-router, a sub-mux mounted under a prefix), and records every route registration with
 * its router, the middleware in force and the handler expression. Paths and guards are resolved
 * at the end, so a sub-mux mounted after its routes were registered still gets its prefix.
 */
import { authRequired } from '../auth-requirement.js';
import { unsupportedMethodWarning } from '../methods.js';
import { classifyMiddleware } from './guards.js';
import { analyzeHandler, envFor, type CodeRef } from './handler.js';
import { constString, goFiles, indexProject, resolveCall, resolveFunctionValue, type FuncDecl, type GoIndex } from './project.js';
import { args, at, endLine, line, oneLine, parseGoFile, type GoFile, type Node } from './tree.js';
import { endpointSourceHash } from '../hash.js';
import type { EndpointFacts, ExtractionWarning, ExtractorContext, Guard } from '../types.js';

type HttpMethodOrAny = EndpointFacts['method'];

export type GoFramework = 'net/http' | 'gin' | 'chi' | 'echo';

/** The import paths that make a file use a framework. */
export const FRAMEWORK_IMPORTS: Readonly<Record<GoFramework, RegExp>> = {
  'net/http': /^net\/http$/,
  gin: /^github\.com\/gin-gonic\/gin$/,
  chi: /^github\.com\/(go-chi|pressly)\/chi(\/v\d+)?$/,
  echo: /^github\.com\/labstack\/echo(\/v\d+)?$/,
};

const CONSTRUCTORS: Readonly<Record<GoFramework, readonly string[]>> = {
  'net/http': ['NewServeMux'],
  gin: ['Default', 'New'],
  chi: ['NewRouter', 'NewMux'],
  echo: ['New'],
};

const ROUTER_TYPES: Readonly<Record<GoFramework, readonly string[]>> = {
  'net/http': ['ServeMux'],
  gin: ['Engine', 'RouterGroup', 'IRouter', 'IRoutes'],
  chi: ['Router', 'Mux'],
  echo: ['Echo', 'Group'],
};

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const CHI_VERBS: Readonly<Record<string, (typeof VERBS)[number]>> = {
  Get: 'GET',
  Post: 'POST',
  Put: 'PUT',
  Patch: 'PATCH',
  Delete: 'DELETE',
  Head: 'HEAD',
  Options: 'OPTIONS',
};

interface GuardUse {
  kind: Guard['kind'];
  text: string;
  evidence: string;
  seq: number;
  /** handler: per-route middleware or chi's `With`; otherwise decided by where the router sits. */
  handlerLevel: boolean;
  code?: CodeRef;
}

interface Router {
  id: number;
  createdSeq: number;
  /** The link to the router this one is a group of or is mounted on. */
  parent?: { router: Router; prefix: string | undefined; guards: GuardUse[] };
  guards: GuardUse[];
  /** chi's `r.With(mw)`: an inline router whose middleware is handler level. */
  inline: boolean;
}

interface RawRoute {
  router: Router;
  method: HttpMethodOrAny;
  path: string;
  handler?: CodeRef;
  site: { file: GoFile; node: Node };
  guards: GuardUse[];
  seq: number;
  /** The method came from the handler's own `switch r.Method`: its facts are read for that case. */
  dispatched?: boolean;
  /** Project wrappers around the handler whose answers are the route's too (a 405 from a method filter). */
  wrappers?: CodeRef[];
  /** Served by `http.FileServer`: its statuses are the standard library's. */
  fileServer?: { file: GoFile; node: Node };
}

type Scope = Map<string, Router>;

interface FnCtx {
  file: GoFile;
  /** The node the function's TypeEnv is built from. */
  node: Node;
  /** Range variables bound to the element of a literal table being looped over (`for _, rt := range []route{...}`). */
  elements?: Map<string, Node>;
}

interface Unwrapped {
  guards: GuardUse[];
  strip: string;
  router?: Router;
  handler?: CodeRef;
  /** The methods a wrapper lets through (`methods(h, "GET", "HEAD")`, `onlyPost(h)`). */
  methods?: string[];
  /** `http.FileServer(...)`: serves the files below its pattern. */
  fileServer?: boolean;
  /** The project wrappers around the handler (method filters and the like): what they answer is the route's too. */
  wrappers?: CodeRef[];
}

const MAX_CALL_DEPTH = 12;

export class RouteInterpreter {
  private seq = 0;
  private nextId = 0;
  readonly routes: RawRoute[] = [];
  private readonly stack: string[] = [];
  private readonly visited = new Set<string>();
  private defaultMux: Router | undefined;
  private readonly warned = new Set<string>();

  constructor(
    readonly index: GoIndex,
    readonly framework: GoFramework,
    private readonly warnFn: (w: ExtractionWarning) => void,
  ) {}

  warn(w: ExtractionWarning): void {
    const key = `${w.file}:${w.line}:${w.message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnFn(w);
  }

  /** The alias under which `file` imports the framework, if it does. */
  alias(file: GoFile): string | undefined {
    for (const [alias, path] of file.imports) if (FRAMEWORK_IMPORTS[this.framework].test(path)) return alias;
    return undefined;
  }

  private newRouter(): Router {
    return { id: this.nextId++, createdSeq: this.seq++, guards: [], inline: false };
  }

  private child(parent: Router, prefix: string | undefined, guards: GuardUse[], inline = false): Router {
    const r = this.newRouter();
    r.parent = { router: parent, prefix, guards };
    r.inline = inline;
    return r;
  }

  private isRouterParam(file: GoFile, type: Node | null): boolean {
    const alias = this.alias(file);
    if (!type || !alias) return false;
    const t = type.text.replace(/^\*/, '');
    return ROUTER_TYPES[this.framework].some((n) => t === `${alias}.${n}`);
  }

  /** Functions that build routers: they call a constructor or take a router parameter. */
  private candidates(): FuncDecl[] {
    return this.index.funcs.filter((d) => {
      const alias = this.alias(d.file);
      if (!alias) return false;
      const params = d.node.childForFieldName('parameters')?.namedChildren ?? [];
      if (params.some((p) => this.isRouterParam(d.file, p.childForFieldName('type')))) return true;
      const ctors = new RegExp(`\\b${alias}\\.(${CONSTRUCTORS[this.framework].join('|')})\\(`);
      if (ctors.test(d.node.text)) return true;
      return this.framework === 'net/http' && new RegExp(`\\b${alias}\\.(HandleFunc|Handle)\\(`).test(d.node.text);
    });
  }

  run(): void {
    const candidates = this.candidates();
    const referenced = new Map<string, number>();
    for (const f of this.index.files) {
      for (const n of f.root.descendantsOfType(['identifier', 'field_identifier'])) {
        const p = n.parent;
        if (p && (p.type === 'function_declaration' || p.type === 'method_declaration') && p.childForFieldName('name')?.startIndex === n.startIndex) continue;
        referenced.set(n.text, (referenced.get(n.text) ?? 0) + 1);
      }
    }
    const entries = candidates.filter((d) => !referenced.has(d.name));
    for (const d of entries) this.runEntry(d);
    for (const d of candidates) if (!this.visited.has(key(d))) this.runEntry(d);
  }

  private runEntry(d: FuncDecl): void {
    const scope: Scope = new Map();
    for (const p of d.node.childForFieldName('parameters')?.namedChildren ?? []) {
      if (!this.isRouterParam(d.file, p.childForFieldName('type'))) continue;
      for (const n of p.childrenForFieldName('name')) scope.set(n.text, this.newRouter());
    }
    this.callFunction(d, scope);
  }

  private callFunction(d: FuncDecl, scope: Scope): Router | undefined {
    const k = key(d);
    if (this.stack.includes(k) || this.stack.length >= MAX_CALL_DEPTH) return undefined;
    this.visited.add(k);
    this.stack.push(k);
    try {
      const body = d.node.childForFieldName('body');
      return body ? this.execBlock(body, scope, { file: d.file, node: d.node }) : undefined;
    } finally {
      this.stack.pop();
    }
  }

  /** Runs statements in order; returns the router a `return` hands back, if any. */
  private execBlock(node: Node, scope: Scope, fn: FnCtx): Router | undefined {
    let returned: Router | undefined;
    for (const st of node.namedChildren) {
      const r = this.execStatement(st, scope, fn);
      returned ??= r;
    }
    return returned;
  }

  private execStatement(st: Node, scope: Scope, fn: FnCtx): Router | undefined {
    switch (st.type) {
      case 'statement_list':
      case 'block':
        return this.execBlock(st, scope, fn);
      case 'short_var_declaration':
      case 'assignment_statement': {
        const left = st.childForFieldName('left')?.namedChildren ?? [];
        const right = st.childForFieldName('right')?.namedChildren ?? [];
        right.forEach((r, i) => {
          const value = this.evalExpr(r, scope, fn);
          const l = left[i];
          if (value && l?.type === 'identifier') scope.set(l.text, value);
        });
        return undefined;
      }
      case 'var_declaration':
        for (const spec of st.namedChildren) {
          const names = spec.childrenForFieldName('name');
          (spec.childForFieldName('value')?.namedChildren ?? []).forEach((v, i) => {
            const value = this.evalExpr(v, scope, fn);
            const n = names[i];
            if (value && n) scope.set(n.text, value);
          });
        }
        return undefined;
      case 'expression_statement':
        for (const e of st.namedChildren) this.evalExpr(e, scope, fn);
        return undefined;
      case 'return_statement': {
        const e = st.namedChildren[0]?.namedChildren[0] ?? st.namedChildren[0];
        return e ? this.evalExpr(e, scope, fn) : undefined;
      }
      case 'for_statement': {
        const table = this.literalTable(st, fn);
        if (table) {
          let returned: Router | undefined;
          const body = st.childForFieldName('body');
          for (const element of table.elements) {
            const elements = new Map(fn.elements ?? []);
            elements.set(table.variable, element);
            if (body) returned ??= this.execBlock(body, scope, { ...fn, elements });
          }
          return returned;
        }
        let returned: Router | undefined;
        for (const c of st.namedChildren) if (c.type === 'block') returned ??= this.execStatement(c, scope, fn);
        return returned;
      }
      case 'if_statement':
      case 'expression_switch_statement':
      case 'type_switch_statement':
      case 'select_statement':
      case 'expression_case':
      case 'default_case':
      case 'type_case':
      case 'communication_case':
      case 'labeled_statement': {
        let returned: Router | undefined;
        for (const c of st.namedChildren) {
          if (c.type === 'block' || c.type === 'statement_list' || c.type.endsWith('_case') || c.type === 'if_statement') {
            returned ??= this.execStatement(c, scope, fn);
          } else if (/statement|declaration/.test(c.type)) {
            returned ??= this.execStatement(c, scope, fn);
          }
        }
        return returned;
      }
      default:
        return undefined;
    }
  }

  /** Evaluates an expression for its routing effects; returns the router it denotes, if any. */
  private evalExpr(e: Node, scope: Scope, fn: FnCtx): Router | undefined {
    if (e.type === 'identifier') return scope.get(e.text);
    if (e.type === 'parenthesized_expression' && e.namedChildren[0]) return this.evalExpr(e.namedChildren[0], scope, fn);
    if (e.type !== 'call_expression') return undefined;
    const callee = e.childForFieldName('function');
    if (!callee) return undefined;
    if (/^http\.ListenAndServe(TLS)?$/.test(callee.text)) {
      // middleware around the whole server: app-level guards
      const h = args(e)[1];
      const u = h ? this.unwrap(h, scope, fn) : undefined;
      if (u?.router) u.router.guards.push(...asGroup(u.guards));
      return undefined;
    }
    if (callee.type === 'selector_expression') {
      const operand = callee.childForFieldName('operand');
      const name = callee.childForFieldName('field')?.text ?? '';
      const alias = this.alias(fn.file);
      if (operand?.type === 'identifier' && operand.text === alias && !scope.has(operand.text)) {
        if (CONSTRUCTORS[this.framework].includes(name)) return this.newRouter();
        if (this.framework === 'net/http' && (name === 'HandleFunc' || name === 'Handle')) {
          this.defaultMux ??= this.newRouter();
          this.routerCall(this.defaultMux, name, e, scope, fn);
          return undefined;
        }
        return undefined;
      }
      const recv = operand ? this.evalExpr(operand, scope, fn) : undefined;
      if (recv) return this.routerCall(recv, name, e, scope, fn);
    }
    if (callee.type === 'func_literal') return undefined;
    return this.callProject(e, scope, fn);
  }

  /** A call into the project's own code, with the routers passed to it bound to its parameters. */
  private callProject(call: Node, scope: Scope, fn: FnCtx): Router | undefined {
    const d = resolveCall(envFor(this.index, fn.file, fn.node), call);
    if (!d) {
      // not the project's code: its arguments may still build routes, as in log.Fatal(http.ListenAndServe(...))
      for (const a of args(call)) if (a.type === 'call_expression') this.evalExpr(a, scope, fn);
      return undefined;
    }
    const bound: Scope = new Map();
    const params = (d.node.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) => {
      const names = p.childrenForFieldName('name');
      return names.length ? names.map((n) => n.text) : [''];
    });
    args(call).forEach((a, i) => {
      const r = this.evalExpr(a, scope, fn);
      const p = params[i];
      if (r && p) bound.set(p, r);
    });
    return this.callFunction(d, bound);
  }

  /**
   * `for _, rt := range []route{{"/users", h.Users}, ...}` (or a slice of strings): the range
   * variable and the literal elements, so the loop body runs once per element.
   */
  private literalTable(st: Node, fn: FnCtx): { variable: string; elements: Node[] } | undefined {
    const clause = st.namedChildren.find((c) => c.type === 'range_clause');
    const right = clause?.childForFieldName('right');
    const left = clause?.childForFieldName('left')?.namedChildren ?? [];
    const variable = left[left.length - 1]?.text;
    if (!right || !variable || variable === '_' || right.type !== 'composite_literal') return undefined;
    const body = right.childForFieldName('body');
    const elements = (body?.namedChildren ?? []).filter((c) => c.type === 'literal_element' || c.type === 'keyed_element').map((c) => c.namedChildren[0] ?? c);
    if (elements.length === 0) return undefined;
    const type = right.childForFieldName('type')?.text.replace(/^\[\]\*?/, '') ?? '';
    this.tableTypes.set(spanKey(right), structFields(this.index, fn.file, type));
    for (const e of elements) this.elementTable.set(spanKey(e), spanKey(right));
    return { variable, elements };
  }

  private readonly tableTypes = new Map<string, string[]>();
  private readonly elementTable = new Map<string, string>();

  /** An argument as the loop element it names: `rt.path` is the element's `path` field, `p` a string element itself. */
  private element(node: Node, fn: FnCtx): Node {
    if (!fn.elements) return node;
    if (node.type === 'identifier') return fn.elements.get(node.text) ?? node;
    if (node.type !== 'selector_expression') return node;
    const operand = node.childForFieldName('operand');
    const field = node.childForFieldName('field')?.text;
    const element = operand?.type === 'identifier' ? fn.elements.get(operand.text) : undefined;
    if (!element || !field || element.type !== 'literal_value') return node;
    const items = element.namedChildren.filter((c) => c.type === 'literal_element' || c.type === 'keyed_element');
    const keyed = items.find((c) => c.type === 'keyed_element' && c.namedChildren[0]?.text === field);
    if (keyed) return keyed.namedChildren[1]?.namedChildren[0] ?? keyed.namedChildren[1] ?? node;
    const fields = this.tableTypes.get(this.elementTable.get(spanKey(element)) ?? '') ?? [];
    const i = fields.indexOf(field);
    const item = i >= 0 ? items[i] : undefined;
    return item ? (item.namedChildren[0] ?? item) : node;
  }

  /**
   * The methods a project wrapper lets through to the handler it wraps: those its code compares
   * `r.Method` with (`r.Method != http.MethodPost`), or, compared with a range variable over its
   * variadic parameter (`for _, m := range allowed`), the arguments the call passes there.
   */
  private wrapperMethods(wrapper: FuncDecl, call: Node, fn: FnCtx): string[] | undefined {
    const found = new Set<string>();
    const params = (wrapper.node.childForFieldName('parameters')?.namedChildren ?? []).flatMap((p) =>
      (p.childrenForFieldName('name').length > 0 ? p.childrenForFieldName('name') : [p]).map((n) => ({
        name: n.text,
        variadic: p.type === 'variadic_parameter_declaration',
      })),
    );
    for (const bin of wrapper.node.descendantsOfType('binary_expression')) {
      const op = bin.childForFieldName('operator')?.text;
      const l = bin.childForFieldName('left');
      const r = bin.childForFieldName('right');
      if ((op !== '==' && op !== '!=') || !l || !r) continue;
      const other = /\.Method$/.test(l.text) ? r : /\.Method$/.test(r.text) ? l : undefined;
      if (!other) continue;
      const literal = this.methodName(wrapper.file, other)?.toUpperCase();
      if (literal && (VERBS as readonly string[]).includes(literal)) {
        found.add(literal);
        continue;
      }
      if (other.type !== 'identifier') continue;
      for (const loop of wrapper.node.descendantsOfType('range_clause')) {
        const names = loop.childForFieldName('left')?.namedChildren.map((n) => n.text) ?? [];
        const over = loop.childForFieldName('right')?.text;
        const index = params.findIndex((p) => p.name === over && p.variadic);
        if (!names.includes(other.text) || index < 0) continue;
        for (const a of args(call).slice(index)) {
          const m = this.methodName(fn.file, a)?.toUpperCase();
          if (m && (VERBS as readonly string[]).includes(m)) found.add(m);
        }
      }
    }
    return found.size > 0 ? [...found] : undefined;
  }

  private path(file: GoFile, node: Node | undefined, site: Node): string | undefined {
    const value = node ? constString(this.index, file, node) : undefined;
    if (value === undefined) this.warn({ file: file.file, line: line(node ?? site), message: 'cannot resolve route path statically' });
    return value;
  }

  private guardUse(mw: Node, fn: FnCtx, handlerLevel: boolean): GuardUse | undefined {
    const text = oneLine(mw.text);
    // the middleware's own name decides before its arguments do: BasicAuth(checkAdmin) is auth
    const name = mw.type === 'call_expression' ? mw.childForFieldName('function')?.text : undefined;
    const kind = (name !== undefined ? classifyMiddleware(name) : undefined) ?? classifyMiddleware(text);
    if (!kind) return undefined;
    const g: GuardUse = { kind, text, evidence: at(fn.file.file, mw), seq: this.seq++, handlerLevel };
    const env = envFor(this.index, fn.file, fn.node);
    // requireAuth := auth.RequireAuth(tokens): the middleware is what the constructor builds.
    const made = mw.type === 'identifier' ? localCall(fn.node, mw.text) : undefined;
    const d = mw.type === 'call_expression' ? resolveCall(env, mw) : (resolveFunctionValue(env, mw) ?? (made ? resolveCall(env, made) : undefined));
    if (d) g.code = { file: d.file, node: d.node };
    return g;
  }

  private guardUses(mws: Node[], fn: FnCtx, handlerLevel: boolean): GuardUse[] {
    return mws.map((m) => this.guardUse(m, fn, handlerLevel)).filter((g): g is GuardUse => g !== undefined);
  }

  /** A handler expression: wrappers (middleware, http.StripPrefix, http.HandlerFunc) peeled off. */
  private unwrap(e: Node, scope: Scope, fn: FnCtx): Unwrapped {
    const none: Unwrapped = { guards: [], strip: '' };
    if (e.type === 'parenthesized_expression' && e.namedChildren[0]) return this.unwrap(e.namedChildren[0], scope, fn);
    if (e.type === 'func_literal') return { ...none, handler: { file: fn.file, node: e } };
    const env = envFor(this.index, fn.file, fn.node);
    if (e.type === 'identifier' || e.type === 'selector_expression') {
      const r = e.type === 'identifier' ? scope.get(e.text) : undefined;
      if (r) return { ...none, router: r };
      const d = resolveFunctionValue(env, e);
      return d ? { ...none, handler: { file: d.file, node: d.node } } : none;
    }
    if (e.type !== 'call_expression') return none;
    const callee = e.childForFieldName('function');
    const a = args(e);
    const ctext = callee?.text ?? '';
    if (/^http\.StripPrefix$/.test(ctext) && a[1]) {
      const inner = this.unwrap(a[1], scope, fn);
      const p = a[0] ? constString(this.index, fn.file, a[0]) : undefined;
      if (p === undefined) this.warn({ file: fn.file.file, line: line(e), message: 'cannot resolve route path statically' });
      return { ...inner, strip: (p ?? '') + inner.strip };
    }
    if (/^http\.(HandlerFunc|TimeoutHandler|MaxBytesHandler|AllowQuerySemicolons)$/.test(ctext) && a[0]) return this.unwrap(a[0], scope, fn);
    if (ctext === 'http.FileServer' || ctext === 'http.FileServerFS') return { ...none, fileServer: true };
    // middleware: a call one of whose arguments is itself a handler or a router
    for (let i = a.length - 1; i >= 0; i--) {
      const inner = this.unwrap(a[i]!, scope, fn);
      if (!inner.handler && !inner.router && !inner.fileServer) continue;
      const g = callee ? this.guardUse(callee, fn, true) : undefined;
      const wrapper = resolveCall(env, e);
      const own = wrapper ? this.wrapperMethods(wrapper, e, fn) : undefined;
      const methods = own && inner.methods ? own.filter((m) => inner.methods!.includes(m)) : (own ?? inner.methods);
      const wrappers = wrapper && !g ? [{ file: wrapper.file, node: wrapper.node }, ...(inner.wrappers ?? [])] : inner.wrappers;
      return { ...inner, guards: [...(g ? [g] : []), ...inner.guards], ...(methods && { methods }), ...(wrappers && { wrappers }) };
    }
    // a function returning a router (adminRouter()), or a handler constructor (listUsers(db))
    const routerValue = this.evalExpr(e, scope, fn);
    if (routerValue) return { ...none, router: routerValue };
    const d = resolveCall(env, e);
    return d ? { ...none, handler: { file: d.file, node: d.node } } : none;
  }

  private addRoute(
    router: Router,
    method: HttpMethodOrAny,
    path: string,
    handlerExpr: Node | undefined,
    mws: Node[],
    call: Node,
    scope: Scope,
    fn: FnCtx,
  ): void {
    const guards = this.guardUses(mws, fn, true);
    let handler: CodeRef | undefined;
    if (handlerExpr) {
      const u = this.unwrap(handlerExpr, scope, fn);
      if (u.router) {
        // a router passed as a handler: mounted, seeing paths with any StripPrefix removed
        if (!u.router.parent && u.router !== router) u.router.parent = { router, prefix: u.strip, guards: asGroup(u.guards) };
        return;
      }
      guards.push(...u.guards);
      handler = u.handler;
    }
    this.routes.push({ router, method, path, site: { file: fn.file, node: call }, guards, seq: this.seq++, ...(handler && { handler }) });
  }

  /** A method argument: "GET" or http.MethodGet. */
  private methodName(file: GoFile, n: Node | undefined): string | undefined {
    if (!n) return undefined;
    const m = /^http\.Method([A-Z][a-z]+)$/.exec(n.text);
    return m?.[1] ? m[1].toUpperCase() : constString(this.index, file, n);
  }

  private routerCall(recv: Router, name: string, call: Node, scope: Scope, fn: FnCtx): Router | undefined {
    const a = args(call).map((x) => this.element(x, fn));
    const site = call;
    const file = fn.file;
    switch (this.framework) {
      case 'net/http': {
        if (name !== 'HandleFunc' && name !== 'Handle') return undefined;
        const pattern = this.path(file, a[0], site);
        if (pattern === undefined) return undefined;
        const parsed = parseServeMuxPattern(pattern);
        if (parsed.unsupported) {
          this.warn({
            file: file.file,
            line: line(site),
            message: unsupportedMethodWarning(parsed.unsupported),
          });
          return undefined;
        }
        const target = a[1];
        if (!target) return undefined;
        const u = this.unwrap(target, scope, fn);
        if (u.router) {
          // mux.Handle("/api/", http.StripPrefix("/api", sub)): sub sees paths with the prefix stripped
          if (!u.router.parent && u.router !== recv) u.router.parent = { router: recv, prefix: u.strip, guards: asGroup(u.guards) };
          return undefined;
        }
        // A pattern ending in '/' matches everything below it: the rest of the path is a parameter, not a second route.
        const path = parsed.path.endsWith('/') && parsed.path !== '/' ? `${parsed.path}${subtreeSegment(u)}` : parsed.path;
        const switched = parsed.method === '*' && !u.methods && u.handler ? switchedMethods(this.index, u.handler) : undefined;
        const methods: HttpMethodOrAny[] =
          parsed.method !== '*'
            ? [parsed.method]
            : ((u.methods ?? switched)?.filter((m): m is HttpMethodOrAny => (VERBS as readonly string[]).includes(m)) ?? ['*']);
        for (const method of methods) {
          this.routes.push({
            router: recv,
            method,
            path,
            site: { file, node: call },
            guards: u.guards,
            seq: this.seq++,
            ...(u.handler && { handler: u.handler }),
            ...(switched && { dispatched: true }),
            ...(u.wrappers && { wrappers: u.wrappers }),
            ...(u.fileServer && { fileServer: { file, node: target } }),
          });
        }
        return undefined;
      }
      case 'gin':
      case 'echo': {
        const verb = (VERBS as readonly string[]).includes(name) ? (name as HttpMethodOrAny) : name === 'Any' ? '*' : undefined;
        const isEcho = this.framework === 'echo';
        if (verb) {
          const path = this.path(file, a[0], site);
          if (path === undefined) return undefined;
          const [h, mws] = isEcho ? [a[1], a.slice(2)] : [a[a.length - 1], a.slice(1, -1)];
          this.addRoute(recv, verb, convertPath(this.framework, path), h, mws, call, scope, fn);
          return undefined;
        }
        if ((name === 'Handle' && !isEcho) || (name === 'Add' && isEcho)) {
          const m = this.methodName(file, a[0]);
          const path = this.path(file, a[1], site);
          if (path === undefined || m === undefined || !(VERBS as readonly string[]).includes(m.toUpperCase())) return undefined;
          const [h, mws] = isEcho ? [a[2], a.slice(3)] : [a[a.length - 1], a.slice(2, -1)];
          this.addRoute(recv, m.toUpperCase() as HttpMethodOrAny, convertPath(this.framework, path), h, mws, call, scope, fn);
          return undefined;
        }
        if (name === 'Match' && a[0]) {
          const methods = a[0].descendantsOfType(['interpreted_string_literal', 'selector_expression']).map((n) => this.methodName(file, n) ?? '');
          const path = this.path(file, a[1], site);
          if (path === undefined) return undefined;
          const [h, mws] = isEcho ? [a[2], a.slice(3)] : [a[a.length - 1], a.slice(2, -1)];
          for (const m of methods) {
            if ((VERBS as readonly string[]).includes(m.toUpperCase()))
              this.addRoute(recv, m.toUpperCase() as HttpMethodOrAny, convertPath(this.framework, path), h, mws, call, scope, fn);
          }
          return undefined;
        }
        if (name === 'Group') {
          const prefix = this.path(file, a[0], site);
          return this.child(recv, prefix === undefined ? undefined : convertPath(this.framework, prefix), this.guardUses(a.slice(1), fn, false));
        }
        if (name === 'Use') {
          recv.guards.push(...this.guardUses(a, fn, false));
          return recv;
        }
        return undefined;
      }
      case 'chi': {
        const verb = CHI_VERBS[name];
        if (verb) {
          const path = this.path(file, a[0], site);
          if (path !== undefined) this.addRoute(recv, verb, convertPath('chi', path), a[1], [], call, scope, fn);
          return undefined;
        }
        if (name === 'Method' || name === 'MethodFunc') {
          const m = this.methodName(file, a[0]);
          const path = this.path(file, a[1], site);
          if (path === undefined || m === undefined) return undefined;
          this.addRoute(
            recv,
            (VERBS as readonly string[]).includes(m.toUpperCase()) ? (m.toUpperCase() as HttpMethodOrAny) : '*',
            convertPath('chi', path),
            a[2],
            [],
            call,
            scope,
            fn,
          );
          return undefined;
        }
        if (name === 'Handle' || name === 'HandleFunc') {
          const path = this.path(file, a[0], site);
          if (path !== undefined) this.addRoute(recv, '*', convertPath('chi', path), a[1], [], call, scope, fn);
          return undefined;
        }
        if (name === 'Mount') {
          const path = this.path(file, a[0], site);
          const target = a[1];
          if (!target) return undefined;
          const u = this.unwrap(target, scope, fn);
          if (u.router && !u.router.parent && u.router !== recv) {
            u.router.parent = { router: recv, prefix: path === undefined ? undefined : convertPath('chi', path), guards: asGroup(u.guards) };
          } else if (u.handler && path !== undefined) {
            this.routes.push({
              router: recv,
              method: '*',
              path: convertPath('chi', path),
              site: { file, node: call },
              guards: u.guards,
              seq: this.seq++,
              handler: u.handler,
            });
          }
          return undefined;
        }
        if (name === 'Route') {
          const prefix = this.path(file, a[0], site);
          const sub = this.child(recv, prefix === undefined ? undefined : convertPath('chi', prefix), []);
          if (a[1]) this.runRouterFunc(a[1], sub, scope, fn);
          return sub;
        }
        if (name === 'Group') {
          const sub = this.child(recv, '', []);
          if (a[0] && a[0].type !== 'nil') this.runRouterFunc(a[0], sub, scope, fn);
          return sub;
        }
        if (name === 'With') return this.child(recv, '', this.guardUses(a, fn, true), true);
        if (name === 'Use') {
          recv.guards.push(...this.guardUses(a, fn, false));
          return undefined;
        }
        return undefined;
      }
    }
  }

  /** `func(r chi.Router) { ... }` or a function value taking a router: run it with `r` bound. */
  private runRouterFunc(f: Node, router: Router, scope: Scope, fn: FnCtx): void {
    if (f.type === 'func_literal') {
      const inner: Scope = new Map(scope);
      const first = f.childForFieldName('parameters')?.namedChildren[0]?.childrenForFieldName('name')[0];
      if (first) inner.set(first.text, router);
      const body = f.childForFieldName('body');
      if (body) this.execBlock(body, inner, fn);
      return;
    }
    const d = resolveFunctionValue(envFor(this.index, fn.file, fn.node), f);
    if (!d) return;
    const first = d.node.childForFieldName('parameters')?.namedChildren[0]?.childrenForFieldName('name')[0];
    this.callFunction(d, new Map(first ? [[first.text, router]] : []));
  }

  /** The full path of a route, or undefined when a prefix on the way could not be resolved. */
  private fullPath(route: RawRoute): string | undefined {
    const parts = [route.path];
    const seen = new Set<number>();
    for (let r: Router | undefined = route.router; r?.parent && !seen.has(r.id); r = r.parent.router) {
      seen.add(r.id);
      if (r.parent.prefix === undefined) return undefined;
      parts.unshift(r.parent.prefix);
    }
    return joinPaths(parts);
  }

  private guardsOf(route: RawRoute): GuardUse[] {
    const chain: { g: GuardUse; level: Guard['level'] }[] = [];
    const own = (r: Router, seq: number): void => {
      const isRoot = !r.parent;
      const ordered = this.framework === 'gin' || (this.framework === 'echo' && !isRoot);
      const level: Guard['level'] = r.inline ? 'handler' : isRoot ? 'app' : 'group';
      const outer: { g: GuardUse; level: Guard['level'] }[] = [];
      if (r.parent) {
        const parentSeq = this.framework === 'gin' ? r.createdSeq : seq;
        own(r.parent.router, parentSeq);
        for (const g of r.parent.guards) outer.push({ g, level: g.handlerLevel ? 'handler' : 'group' });
      }
      chain.push(...outer);
      for (const g of r.guards) if (!ordered || g.seq < seq) chain.push({ g, level });
    };
    own(route.router, route.seq);
    for (const g of route.guards) chain.push({ g, level: 'handler' });
    return chain.map(({ g, level }) => ({ ...g, level }) as GuardUse & { level: Guard['level'] });
  }

  facts(): EndpointFacts[] {
    const out: EndpointFacts[] = [];
    const seen = new Set<string>();
    for (const route of this.routes) {
      const path = this.fullPath(route);
      if (path === undefined) continue;
      const guards = this.guardsOf(route) as (GuardUse & { level: Guard['level'] })[];
      const guardFacts: Guard[] = [];
      const guardKeys = new Set<string>();
      for (const g of guards) {
        const k = `${g.text}\0${g.evidence}`;
        if (guardKeys.has(k)) continue;
        guardKeys.add(k);
        const required = g.kind === 'auth' ? authRequired(g.text, g.code?.node.text) : undefined;
        guardFacts.push({ kind: g.kind, text: g.text, level: g.level, ...(required !== undefined && { required }), evidence: g.evidence });
      }
      const mwCode = guards.map((g) => g.code).filter((c): c is CodeRef => c !== undefined);
      const site = route.site;
      const base = route.handler
        ? analyzeHandler(this.index, route.handler, uniqueCode(mwCode), route.dispatched ? route.method : undefined, uniqueCode(route.wrappers ?? []))
        : {
            handler: `${site.file.file}:${line(site.node)}-${endLine(site.node)}`,
            params: [],
            outcomes: route.fileServer
              ? FILE_SERVER_STATUSES.map((status) => ({ status, when: 'http.FileServer', evidence: at(route.fileServer!.file.file, route.fileServer!.node) }))
              : [],
            side_effects: [],
            volatile: [],
            source_hash: endpointSourceHash({ file: site.file.file, start: line(site.node), end: endLine(site.node), text: site.node.text }),
          };
      const k = `${route.method} ${path} ${base.handler}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({
        method: route.method,
        path,
        framework: this.framework,
        handler: base.handler,
        params: base.params,
        guards: guardFacts,
        outcomes: base.outcomes,
        side_effects: base.side_effects,
        volatile: base.volatile,
        source_hash: base.source_hash,
      });
    }
    return out.sort((x, y) => cmp(x.path, y.path) || cmp(x.method, y.method) || cmp(x.handler, y.handler));
  }
}

/** What net/http's FileServer answers: the file, a range of it, not modified, a directory redirect, missing, unreadable, a failed precondition, a bad range. */
const FILE_SERVER_STATUSES = [200, 206, 301, 304, 403, 404, 412, 416];

/** A node's place in its file, as a key (tree-sitter hands out a new object for each visit). */
const spanKey = (node: Node): string => `${node.startIndex}:${node.endIndex}`;

const asGroup = (guards: GuardUse[]): GuardUse[] => guards.map((g) => ({ ...g, handlerLevel: false }));

/**
 * The parameter a subtree pattern's handler reads from the rest of the path: the variable it
 * assigns `strings.TrimPrefix(r.URL.Path, ...)` (or what that is parsed into) to; one segment
 * (`{id}`) when the handler rejects a '/' in it or parses it as a number, else the whole rest
 * (`{rest*}`); a file server's is `{path*}`.
 */
function subtreeSegment(u: Unwrapped): string {
  if (u.fileServer) return '{path*}';
  const body = u.handler?.node;
  if (!body) return '{rest*}';
  for (const call of body.descendantsOfType('call_expression')) {
    if (call.childForFieldName('function')?.text !== 'strings.TrimPrefix' || !/\.URL\.Path$/.test(args(call)[0]?.text ?? '')) continue;
    let holder: Node | null = call.parent;
    let parsed = false;
    while (holder && holder.type !== 'short_var_declaration' && holder.type !== 'assignment_statement' && holder.type !== 'block') {
      if (holder.type === 'call_expression' && /^strconv\.(Atoi|ParseInt|ParseUint)$/.test(holder.childForFieldName('function')?.text ?? '')) parsed = true;
      holder = holder.parent;
    }
    const name = holder && holder.type !== 'block' ? holder.childForFieldName('left')?.namedChildren[0]?.text : undefined;
    if (!name || !/^[A-Za-z_]\w*$/.test(name)) return '{rest*}';
    const oneSegment = parsed || new RegExp(`strings\\.(Contains|ContainsRune|Index)\\(\\s*${name}\\s*,\\s*("/"|'/')`).test(body.text);
    return oneSegment ? `{${name}}` : `{${name}*}`;
  }
  return '{rest*}';
}

/** The methods a handler dispatches on itself with a top-level `switch r.Method { case http.MethodGet: ... }`. */
function switchedMethods(index: GoIndex, handler: CodeRef): string[] | undefined {
  const own = (n: Node) => {
    for (let p = n.parent; p && p.startIndex >= handler.node.startIndex; p = p.parent) {
      if (p.startIndex === handler.node.startIndex && p.endIndex === handler.node.endIndex) return true;
      if (p.type === 'func_literal') return false;
    }
    return false;
  };
  const sw = handler.node.descendantsOfType('expression_switch_statement').find((c) => /\.Method$/.test(c.childForFieldName('value')?.text ?? '') && own(c));
  if (!sw) return undefined;
  const methods: string[] = [];
  for (const c of sw.namedChildren) {
    if (c.type !== 'expression_case') continue;
    for (const v of c.childForFieldName('value')?.namedChildren ?? []) {
      const m = /^http\.Method([A-Z][a-z]+)$/.exec(v.text)?.[1]?.toUpperCase() ?? constString(index, handler.file, v)?.toUpperCase();
      if (m) methods.push(m);
    }
  }
  return methods.length > 0 ? methods : undefined;
}

/** The call a local variable of `fn` was assigned (`requireAuth := auth.RequireAuth(tokens)`). */
function localCall(fn: Node, name: string): Node | undefined {
  for (const decl of fn.descendantsOfType(['short_var_declaration', 'assignment_statement'])) {
    const left = decl.childForFieldName('left')?.namedChildren ?? [];
    const i = left.findIndex((l) => l.text === name);
    const value = i >= 0 ? decl.childForFieldName('right')?.namedChildren[i] : undefined;
    if (value?.type === 'call_expression') return value;
  }
  return undefined;
}

/** The field names of a struct type declared in the project, in order. */
function structFields(index: GoIndex, file: GoFile, name: string): string[] {
  const short = name.replace(/^.*\./, '');
  for (const f of [file, ...index.files]) {
    for (const spec of f.root.descendantsOfType('type_spec')) {
      if (spec.childForFieldName('name')?.text !== short) continue;
      const type = spec.childForFieldName('type');
      if (type?.type !== 'struct_type') continue;
      return type.descendantsOfType('field_declaration').flatMap((d) => d.childrenForFieldName('name').map((n) => n.text));
    }
  }
  return [];
}

function uniqueCode(refs: CodeRef[]): CodeRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.file.file}:${r.node.startIndex}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const key = (d: FuncDecl) => `${d.file.file}:${d.node.startIndex}`;

/** Go 1.22 ServeMux patterns: `[METHOD ][HOST]/[PATH]`, `{name}`, `{name...}`, `{$}`. */
export function parseServeMuxPattern(pattern: string): { method: HttpMethodOrAny; path: string; unsupported?: string } {
  let rest = pattern.trim();
  let method: HttpMethodOrAny = '*';
  let unsupported: string | undefined;
  const m = /^([A-Z]+)\s+(.*)$/.exec(rest);
  if (m?.[1] && m[2] !== undefined) {
    // A method a spec cannot describe (TRACE, CONNECT, ...) is not any method: the route is reported, not widened.
    if ((VERBS as readonly string[]).includes(m[1])) method = m[1] as HttpMethodOrAny;
    else unsupported = m[1];
    rest = m[2].trim();
  }
  const slash = rest.indexOf('/');
  if (slash > 0) rest = rest.slice(slash);
  return { method, path: convertPath('net/http', rest), ...(unsupported && { unsupported }) };
}

/**
 * One framework's path syntax to a spec template: `:id` and `*path` (gin, echo), `{id:[0-9]+}`
 * (chi), `{path...}` (net/http). Catch-alls keep spanning segments: `{path...}` and `*path` are
 * `{path*}`, a bare `*` (chi, echo) is `{wildcard*}`.
 */
export function convertPath(framework: GoFramework, path: string): string {
  switch (framework) {
    case 'net/http':
      return path.replace(/\{\$\}/g, '').replace(/\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}/g, '{$1*}');
    case 'chi':
      return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*):(?:[^{}]|\{[^{}]*\})*\}/g, '{$1}').replace(/(^|\/)\*$/, '$1{wildcard*}');
    case 'gin':
    case 'echo':
      return path
        .replace(/(^|\/):([A-Za-z_][A-Za-z0-9_]*)/g, '$1{$2}')
        .replace(/(^|\/)\*([A-Za-z_][A-Za-z0-9_]*)/g, '$1{$2*}')
        .replace(/(^|\/)\*$/, '$1{wildcard*}');
  }
}

export function joinPaths(parts: string[]): string {
  let p = `/${parts.filter((x) => x !== '').join('/')}`.replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** The whole extraction for one framework: parse, warn about syntax errors, interpret, analyse. */
export function extractGo(framework: GoFramework, context: ExtractorContext): EndpointFacts[] {
  try {
    const { project } = context;
    const index = indexProject(project);
    for (const f of goFiles(project)) {
      const file = parseGoFile(project, f);
      if (file?.errorLine !== undefined) {
        context.warn({ file: f, line: file.errorLine, message: 'syntax error: routes extracted where the tree allows' });
      }
      context.progress?.(f);
    }
    const interp = new RouteInterpreter(index, framework, (w) => context.warn(w));
    interp.run();
    return interp.facts();
  } catch (error) {
    context.warn({ file: '.', line: 1, message: `go extractor failed: ${error instanceof Error ? error.message : String(error)}` });
    return [];
  }
}
