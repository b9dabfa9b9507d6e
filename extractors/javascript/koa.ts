/**
 * The Koa extractor: routes of koa-router / @koa/router with their prefixes (`new Router({ prefix })`,
 * `router.prefix()`), nested routers (`parent.use('/x', child.routes())`, `router.use(child.routes())`,
 * `koa-mount`), across files, mounted with `app.use(router.routes())`.
 *
 * Guards are middleware classified by name: `app.use(mw)` before the router is mounted (level app),
 * `router.use(mw)` before the route (level router), middleware in the route's own arguments (level
 * handler). Middleware that is a project function contributes its outcomes (`ctx.throw(401)`).
 * Outcomes: `ctx.status = N`, `ctx.throw(N)`, `ctx.assert(cond, N)`, `ctx.redirect()`, `ctx.body = x`
 * (200 unless a status was set before it), errors thrown with a status, through project helpers.
 */
import { Node, SyntaxKind } from 'ts-morph';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, SourceProject } from '../types.js';
import {
  FactScanner,
  JsCodebase,
  buildEndpoint,
  cmp,
  detectDependency,
  flatten,
  guardOf,
  joinPaths,
  middlewareFn,
  newFacts,
  paramNames,
  precedingStatement,
  sortEndpoints,
  loopPaths,
  templatePaths,
  UNSUPPORTED_ROUTE_METHODS,
  unsupportedMethodWarning,
  truncate,
  unwrap,
  type Dialect,
  type Env,
  type Facts,
} from './js-common.js';

const ROUTER_MODULES = /^(@koa\/router|koa-router|koa-tree-router)$/;
const METHODS: Record<string, EndpointFacts['method']> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  del: 'DELETE',
  head: 'HEAD',
  options: 'OPTIONS',
  all: '*',
};

interface KoaRouter {
  node: Node;
  app: boolean;
  /** The `prefix` option or the last `router.prefix(p)`. */
  prefixNode: Node | undefined;
  entries: Entry[];
}

interface Entry {
  kind: 'use' | 'route';
  call: Node;
  method?: EndpointFacts['method'];
  pathNode?: Node | undefined;
  args: Node[];
}

interface ChainItem {
  expr: Node;
  level: 'app' | 'router' | 'handler';
  scope: string;
}

interface Route {
  method: EndpointFacts['method'];
  path: string;
  pathAt: Node;
  handler: Node;
  chain: ChainItem[];
}

export const koaExtractor: Extractor = {
  name: 'koa',
  language: 'javascript',
  entryPoint: /\bnew\s+Koa\(|\bnew\s+Router\(/,
  detect(project: SourceProject): boolean {
    return detectDependency(project, ['koa', '@koa/router', 'koa-router']);
  },
  extract(context: ExtractorContext): EndpointFacts[] {
    try {
      return new KoaReader(context).run();
    } catch (error) {
      context.warn({
        file: context.project.files[0] ?? '.',
        line: 1,
        message: `koa extraction failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return [];
    }
  },
};

export const koaDialect: Dialect = {
  parts: {
    params: 'path',
    query: 'query',
    'request.query': 'query',
    'request.body': 'body',
    headers: 'header',
    header: 'header',
    'request.headers': 'header',
    'request.header': 'header',
  },
  headerGetters: ['get'],
  outcomes(node, env, add, scanner) {
    const code = scanner.code;
    const isCtx = (n: Node, members: string[]) => {
      const text = unwrap(n).getText().replace(/\s+/g, '');
      return [...env.ctx].some((c) => members.some((m) => text === `${c}.${m}`));
    };
    if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
      const left = node.getLeft();
      if (isCtx(left, ['status', 'response.status'])) {
        const n = code.num(node.getRight());
        if (n === undefined) code.warn(node, `response status (${truncate(node.getRight().getText())}) is not a literal; that outcome is left out`);
        else add(n, node, bodyAfter(node, env));
      } else if (isCtx(left, ['body', 'response.body'])) {
        if (!statusSetBefore(node, env)) add(200, node, node.getRight());
      }
      return;
    }
    if (Node.isThrowStatement(node)) {
      const n = scanner.thrownStatus(node.getExpression(), env);
      if (n !== undefined) add(n, node);
      return;
    }
    if (!Node.isCallExpression(node)) return;
    const callee = node.getExpression();
    const args = node.getArguments();
    if (isCtx(callee, ['throw'])) {
      const first = args[0];
      const n = first ? code.num(first) : undefined;
      if (n !== undefined) add(n, node, args[1]);
      else if (first && code.str(first) !== undefined) add(500, node, first);
      else if (first) {
        const thrown = scanner.thrownStatus(first, env);
        if (thrown !== undefined) add(thrown, node);
        else code.warn(node, `response status (${truncate(first.getText())}) is not a literal; that outcome is left out`);
      }
    } else if (isCtx(callee, ['assert'])) {
      const n = args[1] ? code.num(args[1]) : undefined;
      if (n !== undefined && args[0]) add(n, node, args[2], `!(${args[0].getText().replace(/\s+/g, ' ')})`);
    } else if (isCtx(callee, ['redirect'])) {
      if (!statusSetBefore(node, env)) add(302, node);
    }
  },
};

/** The `ctx.body = x` right after a `ctx.status = N` statement: the body of that outcome. */
function bodyAfter(assignment: Node, env: Env): Node | undefined {
  const stmt = assignment.getParent();
  if (!stmt || !Node.isExpressionStatement(stmt)) return undefined;
  for (let next = stmt.getNextSibling(); next; next = next.getNextSibling()) {
    if (!Node.isExpressionStatement(next)) return undefined;
    const e = next.getExpression();
    if (!Node.isBinaryExpression(e) || e.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) return undefined;
    const left = e.getLeft().getText().replace(/\s+/g, '');
    if ([...env.ctx].some((c) => left === `${c}.body` || left === `${c}.response.body`)) return e.getRight();
  }
  return undefined;
}

/** Was `ctx.status = N` set earlier in the same function (so `ctx.body = x` answers with it)? */
function statusSetBefore(node: Node, env: Env): boolean {
  const found = precedingStatement(node, env.fn, (stmt) => {
    if (!Node.isExpressionStatement(stmt)) return undefined;
    const e = stmt.getExpression();
    if (!Node.isBinaryExpression(e)) return undefined;
    const left = e.getLeft().getText().replace(/\s+/g, '');
    return [...env.ctx].some((c) => left === `${c}.status` || left === `${c}.response.status`) ? e : undefined;
  });
  return found !== undefined;
}

class KoaReader {
  private readonly code: JsCodebase;
  private readonly scanner: FactScanner;
  private readonly routers = new Map<Node, KoaRouter>();
  private readonly resolving = new Set<Node>();

  constructor(context: ExtractorContext) {
    this.code = new JsCodebase(context);
    this.scanner = new FactScanner(this.code);
  }

  run(): EndpointFacts[] {
    this.collect();
    const routes = this.walkAll();
    const seen = new Set<string>();
    const out: EndpointFacts[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) {
        this.code.warn(route.pathAt, `duplicate route ${key}: the first registration answers, this one is left out`);
        continue;
      }
      seen.add(key);
      try {
        out.push(this.describe(route));
      } catch (error) {
        this.code.warn(route.pathAt, `could not read the facts of ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return sortEndpoints(out);
  }

  // ---- routers

  private router(node: Node, app: boolean): KoaRouter {
    let r = this.routers.get(node);
    if (!r) {
      let prefixNode: Node | undefined;
      if (!app && (Node.isNewExpression(node) || Node.isCallExpression(node))) {
        const opts = node.getArguments()[0];
        const obj = opts ? this.code.obj(opts) : undefined;
        prefixNode = obj ? this.code.objectMember(obj, 'prefix') : undefined;
      }
      r = { node, app, prefixNode, entries: [] };
      this.routers.set(node, r);
    }
    return r;
  }

  /** The router or app an expression stands for (`router`, `router.routes()`, `makeRouter()`, an import). */
  private routerOf(expr: Node, depth = 0): KoaRouter | undefined {
    if (depth > 10) return undefined;
    const e = unwrap(expr);
    if (this.resolving.has(e)) return undefined;
    this.resolving.add(e);
    try {
      if (Node.isNewExpression(e) || Node.isCallExpression(e)) {
        const callee = e.getExpression();
        const ext = this.code.external(callee);
        if (ext && ROUTER_MODULES.test(ext.module) && (ext.member === undefined || ext.member === 'default' || ext.member === 'Router'))
          return this.router(e, false);
        if (ext && ext.module === 'koa' && (ext.member === undefined || ext.member === 'default') && Node.isNewExpression(e)) return this.router(e, true);
        if (Node.isCallExpression(e) && Node.isPropertyAccessExpression(callee)) {
          const name = callee.getName();
          if (name === 'routes' || name === 'middleware' || name in METHODS || name === 'use' || name === 'prefix' || name === 'param')
            return this.routerOf(callee.getExpression(), depth + 1);
        }
        if (Node.isCallExpression(e)) {
          const fn = this.code.fn(callee);
          if (fn) {
            for (const r of this.code.returns(fn)) {
              const found = this.routerOf(r, depth + 1);
              if (found) return found;
            }
          }
        }
        return undefined;
      }
      if (Node.isIdentifier(e) || Node.isPropertyAccessExpression(e)) {
        const v = this.code.value(e);
        return v && v !== e ? this.routerOf(v, depth + 1) : undefined;
      }
      return undefined;
    } finally {
      this.resolving.delete(e);
    }
  }

  private collect(): void {
    for (const call of this.code.calls()) {
      if (!Node.isCallExpression(call)) continue;
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) continue;
      const name = callee.getName();
      if (UNSUPPORTED_ROUTE_METHODS.has(name) && call.getArguments().length >= 2) {
        const router = this.routerOf(callee.getExpression());
        if (router && !router.app) this.code.warn(call, unsupportedMethodWarning(name));
        continue;
      }
      if (!(name in METHODS) && name !== 'use' && name !== 'prefix') continue;
      const r = this.routerOf(callee.getExpression());
      if (!r) continue;
      const args = call.getArguments();
      if (name === 'prefix') {
        if (!r.app && args[0]) r.prefixNode = args[0];
        continue;
      }
      if (name === 'use') {
        const first = args[0];
        const hasPath = first !== undefined && !r.app && this.looksLikePath(first);
        r.entries.push({ kind: 'use', call, pathNode: hasPath ? first : undefined, args: flatten(hasPath ? args.slice(1) : args) });
        continue;
      }
      if (r.app) continue;
      // named route: router.get('user', '/users/:id', handler)
      const named = args.length >= 3 && this.code.str(args[0]!) !== undefined && this.code.str(args[1]!) !== undefined;
      const pathNode = named ? args[1] : args[0];
      const rest = flatten(args.slice(named ? 2 : 1));
      if (rest.length === 0) continue;
      r.entries.push({ kind: 'route', call, method: METHODS[name]!, pathNode, args: rest });
    }
    for (const r of this.routers.values()) {
      r.entries.sort((a, b) => cmp(this.code.rel(a.call), this.code.rel(b.call)) || a.call.getStart() - b.call.getStart());
    }
  }

  private looksLikePath(node: Node): boolean {
    const e = unwrap(node);
    if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e) || Node.isTemplateExpression(e) || Node.isArrayLiteralExpression(e)) return true;
    if (this.code.str(e) !== undefined) return true;
    if (Node.isCallExpression(e) || Node.isFunctionExpression(e) || Node.isArrowFunction(e)) return false;
    if (this.code.fn(e) || this.routerOf(e)) return false;
    return /path|prefix|base|url|route|mount/i.test(e.getText());
  }

  // ---- walking

  private walkAll(): Route[] {
    const mounted = new Set<KoaRouter>();
    for (const r of this.routers.values()) {
      for (const e of r.entries) {
        if (e.kind !== 'use') continue;
        for (const a of e.args) {
          const child = this.mountedRouter(a)?.router;
          if (child) mounted.add(child);
        }
      }
    }
    const apps = [...this.routers.values()].filter((r) => r.app);
    const roots = apps.length > 0 ? apps : [...this.routers.values()].filter((r) => !mounted.has(r));
    if (apps.length > 0) {
      for (const r of this.routers.values()) {
        if (!r.app && !mounted.has(r) && r.entries.some((e) => e.kind === 'route'))
          this.code.warn(r.node, 'router is not mounted on any app found statically; its routes are left out');
      }
    }
    const out: Route[] = [];
    for (const root of roots.sort((a, b) => cmp(this.code.rel(a.node), this.code.rel(b.node)) || a.node.getStart() - b.node.getStart())) {
      this.walk(root, '', [], out, new Set());
    }
    return out;
  }

  /** A router mounted by a `use` argument: `child.routes()`, or `mount('/x', child.routes())` (koa-mount). */
  private mountedRouter(arg: Node): { router: KoaRouter; pathNode: Node | undefined } | undefined {
    const e = unwrap(arg);
    if (Node.isCallExpression(e)) {
      const ext = this.code.external(e.getExpression());
      if (ext?.module === 'koa-mount') {
        const [p, target] = e.getArguments();
        const r = target ? this.routerOf(target) : undefined;
        return r ? { router: r, pathNode: p } : undefined;
      }
    }
    const r = this.routerOf(e);
    return r && !r.app ? { router: r, pathNode: undefined } : undefined;
  }

  private resolvePath(node: Node | undefined, what: string): string | undefined {
    if (!node) return '';
    const v = this.code.str(node);
    if (v === undefined) {
      this.code.warn(node, `cannot resolve route path statically: ${what} ${truncate(node.getText())}`);
      return undefined;
    }
    return v;
  }

  private walk(r: KoaRouter, prefix: string, inherited: ChainItem[], out: Route[], visiting: Set<KoaRouter>): void {
    if (visiting.has(r)) {
      this.code.warn(r.node, 'router mounts itself (directly or through others); not followed again');
      return;
    }
    visiting.add(r);
    const own = r.app ? '' : this.resolvePath(r.prefixNode, 'router prefix');
    if (own === undefined) {
      visiting.delete(r);
      return;
    }
    const base = joinPaths(prefix, own.replace(/:(\w+)/g, '{$1}'));
    const level = r.app ? 'app' : 'router';
    const chain = [...inherited];
    for (const e of r.entries) {
      if (e.kind === 'use') {
        const usePath = this.resolvePath(e.pathNode, 'mount prefix');
        if (usePath === undefined) continue;
        const scope = e.pathNode ? joinPaths(base, usePath.replace(/:(\w+)/g, '{$1}')) : '';
        for (const a of e.args) {
          const m = this.mountedRouter(a);
          if (m) {
            const mountPath = this.resolvePath(m.pathNode, 'mount prefix');
            if (mountPath === undefined) continue;
            this.walk(m.router, joinPaths(scope || base, mountPath), chain, out, visiting);
          } else chain.push({ expr: a, level, scope });
        }
        continue;
      }
      const pathNode = e.pathNode!;
      const raw = unwrap(pathNode);
      const rawPaths: string[] = [];
      if (Node.isArrayLiteralExpression(raw)) {
        for (const el of raw.getElements()) {
          const s = this.resolvePath(el, 'route path');
          if (s !== undefined) rawPaths.push(s);
        }
      } else {
        const looped = pathNode && this.code.str(pathNode) === undefined ? loopPaths(pathNode, (n) => this.code.str(n)) : undefined;
        if (looped) rawPaths.push(...looped);
        else {
          const s = this.resolvePath(pathNode, 'route path');
          if (s === undefined) continue;
          rawPaths.push(s);
        }
      }
      const handler = e.args[e.args.length - 1]!;
      const routeMw = e.args.slice(0, -1).map((a) => ({ expr: a, level: 'handler' as const, scope: '' }));
      for (const rawPath of rawPaths) {
        const t = templatePaths(rawPath);
        if ('problem' in t) {
          this.code.warn(pathNode, `cannot resolve route path statically: ${t.problem}`);
          continue;
        }
        for (const opt of t.optional)
          this.code.warn(pathNode, `optional path parameter ${opt}: listed as two routes, without and with {${/\w+/.exec(opt)?.[0] ?? opt}}`);
        for (const p of t.paths) {
          const full = joinPaths(base, p);
          out.push({
            method: e.method!,
            path: full,
            pathAt: pathNode,
            handler,
            chain: [...chain.filter((c) => c.scope === '' || full === c.scope || full.startsWith(`${c.scope}/`)), ...routeMw],
          });
        }
      }
    }
    visiting.delete(r);
  }

  // ---- facts

  private describe(route: Route): EndpointFacts {
    const facts: Facts = newFacts();
    const guards: Guard[] = [];
    for (const item of route.chain) {
      const fn = middlewareFn(this.code, item.expr);
      const g = guardOf(this.code, item.expr, item.level, fn);
      if (g) guards.push(g);
      if (fn) this.scan(fn, facts, 'middleware');
    }
    const handlerFn = this.code.fn(route.handler) ?? middlewareFn(this.code, route.handler);
    if (handlerFn) this.scan(handlerFn, facts, 'handler');
    else this.code.warn(route.handler, `cannot resolve the handler ${truncate(route.handler.getText())} to a function in the project; its facts are left out`);
    return buildEndpoint({
      method: route.method,
      path: route.path,
      framework: 'koa',
      handler: handlerFn ?? route.handler,
      pathAt: route.pathAt,
      facts,
      guards,
      scanner: this.scanner,
    });
  }

  private scan(fn: Node, facts: Facts, role: 'handler' | 'middleware'): void {
    const ctx = paramNames(fn)[0] ?? '';
    this.scanner.scanFunction(fn, facts, koaDialect, role, { ctx: [ctx], reply: [] });
  }
}
