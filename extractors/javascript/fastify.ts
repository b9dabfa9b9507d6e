/**
 * The Fastify extractor: shorthand routes (`app.get('/p', opts?, handler)`), `app.route({ method,
 * url, handler, ... })` (a method list gives one endpoint per method), and plugins registered with
 * `app.register(plugin, { prefix })` across files (the plugin's first parameter is its instance;
 * nested registers compound their prefixes; `fastify-plugin` wrappers share their hooks with the
 * parent instead of encapsulating them).
 *
 * Guards: `addHook('onRequest' | 'preParsing' | 'preValidation' | 'preHandler', fn)` on the root
 * instance (level app) or in a plugin (level router, for that plugin's routes and its children's),
 * route-level `onRequest` / `preValidation` / `preHandler` (level handler), classified by name
 * (decorated functions such as `fastify.authenticate` resolve to what `decorate()` was given), and
 * a JSON schema on the route (`schema: { params, querystring, body, headers }`) as validation, with
 * its properties as typed params (required, type, and constraints as validations).
 *
 * Outcomes: `reply.code(N).send(x)`, `reply.status(N)`, `reply.send(x)` and returned values (the
 * single 2xx key of `schema.response`, else 200), `reply.notFound()` and
 * `throw fastify.httpErrors.notFound()` (@fastify/sensible), errors with a `statusCode`, a failed
 * `request.jwtVerify()` (401), and a schema mismatch (400).
 */
import path from 'node:path/posix';
import { Node, SyntaxKind } from 'ts-morph';
import { AUTOLOAD_DEFAULTS, autoloadedPlugins, joinDir } from './fastify-autoload.js';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, Param, SourceProject } from '../types.js';
import {
  middlewareAuthRequired,
  FactScanner,
  HTTP_ERROR_NAMES,
  JsCodebase,
  buildEndpoint,
  cmp,
  detectDependency,
  enclosingFunction,
  flatten,
  guardOf,
  isFunction,
  joinPaths,
  loopPaths,
  middlewareFn,
  unsupportedMethodWarning,
  newFacts,
  paramNames,
  precedingStatement,
  propName,
  sortEndpoints,
  templatePaths,
  truncate,
  unwrap,
  type Dialect,
  type Env,
  type Facts,
} from './js-common.js';

const SHORTHAND: Record<string, EndpointFacts['method']> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  head: 'HEAD',
  options: 'OPTIONS',
  all: '*',
};
const METHOD_NAMES = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const GUARD_HOOKS = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler']);
const SCHEMA_PARTS: Record<string, Param['in']> = { params: 'path', querystring: 'query', query: 'query', body: 'body', headers: 'header' };
const AUTOLOAD_MODULES = new Set(['@fastify/autoload', 'fastify-autoload']);

interface Instance {
  node: Node;
  root: boolean;
  entries: Node[];
}

interface Hook {
  expr: Node;
  level: 'app' | 'router';
  name: string;
}

interface Route {
  method: EndpointFacts['method'];
  path: string;
  pathAt: Node;
  handler: Node;
  options: Node | undefined;
  hooks: Hook[];
}

export const fastifyExtractor: Extractor = {
  name: 'fastify',
  language: 'javascript',
  entryPoint: /\b[Ff]astify\(\s*[{)]|require\(\s*['\"]fastify['\"]\s*\)\(|from\s+['\"]fastify['\"]/,
  detect(project: SourceProject): boolean {
    return detectDependency(project, ['fastify']);
  },
  extract(context: ExtractorContext): EndpointFacts[] {
    try {
      return new FastifyReader(context).run();
    } catch (error) {
      context.warn({
        file: context.project.files[0] ?? '.',
        line: 1,
        message: `fastify extraction failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return [];
    }
  },
};

/** The reading of a handler, hook or helper: `reply.*` answers, thrown errors, returned values. */
function fastifyDialect(handler: Node | undefined, success: number): Dialect {
  return {
    parts: { params: 'path', query: 'query', body: 'body', headers: 'header', cookies: 'cookie' },
    headerGetters: [],
    outcomes(node, env, add, scanner) {
      const code = scanner.code;
      const isReply = (n: Node) => Node.isIdentifier(n) && env.reply.has(n.getText());
      const preceding = (at: Node) => {
        const found = precedingStatement(at, env.fn, (stmt) => {
          if (!Node.isExpressionStatement(stmt)) return undefined;
          const e = stmt.getExpression();
          if (!Node.isCallExpression(e)) return undefined;
          const c = e.getExpression();
          return Node.isPropertyAccessExpression(c) && /^(code|status)$/.test(c.getName()) && isReply(c.getExpression()) ? e.getArguments()[0] : undefined;
        });
        return found;
      };
      const statusOf = (n: Node | undefined): number | undefined => {
        if (!n) return success;
        const v = code.num(n);
        if (v === undefined) code.warn(n, `response status (${truncate(n.getText())}) is not a literal; that outcome is left out`);
        return v;
      };
      if (Node.isThrowStatement(node)) {
        const n = scanner.thrownStatus(node.getExpression(), env);
        if (n !== undefined) add(n, node, messageOf(node.getExpression()));
        return;
      }
      // an expression-bodied arrow handler returns its body
      if (handler && env.fn === handler && Node.isArrowFunction(handler) && node === handler.getBody() && !Node.isBlock(node)) {
        if (!isReplyExpr(node, env)) {
          add(success, node, node);
          return;
        }
      }
      if (Node.isReturnStatement(node) && handler && env.fn === handler && enclosingFunction(node) === handler) {
        const e = node.getExpression();
        if (!e) {
          const pre = preceding(node);
          if (pre) {
            const n = statusOf(pre);
            if (n !== undefined) add(n, node);
          }
          return;
        }
        const inner = unwrap(e);
        if (isReplyExpr(inner, env) || (Node.isIdentifier(inner) && inner.getText() === 'undefined')) return;
        const n = statusOf(preceding(node));
        if (n !== undefined) add(n, node, e);
        return;
      }
      if (!Node.isCallExpression(node)) return;
      const callee = node.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) return;
      const name = callee.getName();
      // a failed verification rejects with 401, unless the code catches it (and answers itself)
      const caught = node.getFirstAncestor(
        (a) => Node.isTryStatement(a) && a.getCatchClause() !== undefined && a.getTryBlock().containsRange(node.getPos(), node.getEnd()),
      );
      if (name === 'jwtVerify' && env.ctx.has(callee.getExpression().getText()) && !caught) {
        add(401, node, undefined, `${node.getText()} fails`);
        return;
      }
      if (name === 'send') {
        let status: Node | undefined;
        let recv: Node = callee.getExpression();
        while (Node.isCallExpression(recv)) {
          const inner = recv.getExpression();
          if (!Node.isPropertyAccessExpression(inner)) break;
          if (/^(code|status)$/.test(inner.getName()) && status === undefined) status = recv.getArguments()[0];
          recv = inner.getExpression();
        }
        if (!isReply(recv)) return;
        const n = statusOf(status ?? preceding(node));
        if (n !== undefined) add(n, node, node.getArguments()[0]);
        return;
      }
      if (!isReply(callee.getExpression())) return;
      if (name === 'redirect') {
        const numeric = node
          .getArguments()
          .map((a) => code.num(a))
          .find((v) => v !== undefined);
        add(numeric ?? 302, node);
      } else if (name === 'callNotFound') add(404, node);
      else if (HTTP_ERROR_NAMES[name] !== undefined) add(HTTP_ERROR_NAMES[name], node, node.getArguments()[0]);
    },
  };
}

function isReplyExpr(node: Node, env: Env): boolean {
  let cur = unwrap(node);
  while (Node.isCallExpression(cur) || Node.isPropertyAccessExpression(cur)) cur = unwrap(cur.getExpression());
  return Node.isIdentifier(cur) && env.reply.has(cur.getText());
}

function messageOf(thrown: Node): Node | undefined {
  const e = unwrap(thrown);
  if (Node.isNewExpression(e) || Node.isCallExpression(e)) {
    const first = e.getArguments()[0];
    if (first && (Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first))) return first;
  }
  return undefined;
}

class FastifyReader {
  private readonly code: JsCodebase;
  private readonly scanner: FactScanner;
  private readonly instances = new Map<Node, Instance>();
  private readonly decorations = new Map<string, Node>();

  constructor(context: ExtractorContext) {
    this.code = new JsCodebase(context);
    this.scanner = new FactScanner(this.code);
  }

  run(): EndpointFacts[] {
    this.collect();
    this.markCliEntries();
    const routes: Route[] = [];
    const roots = [...this.instances.values()].filter((i) => i.root);
    for (const root of roots.sort((a, b) => cmp(this.code.rel(a.node), this.code.rel(b.node)) || a.node.getStart() - b.node.getStart()))
      this.walk(root, '', [], routes, new Set());
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

  // ---- instances

  /**
   * fastify-cli (`"start": "fastify start -l info app.js"`) makes the instance itself and registers
   * the plugin the entry file exports: that plugin is a root, as `fastify()` is elsewhere.
   */
  private markCliEntries(): void {
    const project = this.code.context.project;
    for (const file of project.files) {
      if (path.basename(file) !== 'package.json' || file.split('/').includes('node_modules')) continue;
      let scripts: unknown;
      try {
        scripts = (JSON.parse(project.read(file)) as { scripts?: unknown }).scripts;
      } catch {
        continue;
      }
      if (!scripts || typeof scripts !== 'object') continue;
      const dir = path.dirname(file) === '.' ? '' : path.dirname(file);
      for (const script of Object.values(scripts)) {
        const command = /\bfastify\s+start\b([^&|;]*)/.exec(String(script));
        const entry = command?.[1]!
          .trim()
          .split(/\s+/)
          .reverse()
          .find((token) => /\.(c|m)?[jt]s$/.test(token) && !token.startsWith('-'));
        if (!entry) continue;
        const exported = this.code.moduleExport(joinDir(dir, [entry]));
        const p = exported ? this.plugin(exported) : undefined;
        if (p) this.instance(p.fn, false).root = true;
      }
    }
  }

  private instance(node: Node, root: boolean): Instance {
    let i = this.instances.get(node);
    if (!i) {
      i = { node, root, entries: [] };
      this.instances.set(node, i);
    }
    return i;
  }

  /** The instance a receiver stands for: the root `fastify()`, or the first parameter of a plugin function. */
  private instanceOf(expr: Node, depth = 0): Instance | undefined {
    if (depth > 8) return undefined;
    const e = unwrap(expr);
    if (Node.isCallExpression(e)) {
      const ext = this.code.external(e.getExpression());
      if (ext && ext.module === 'fastify' && (ext.member === undefined || ext.member === 'default' || ext.member === 'fastify' || ext.member === 'Fastify'))
        return this.instance(e, true);
      return undefined;
    }
    if (!Node.isIdentifier(e)) return undefined;
    const decl = this.code.decls(e)[0];
    if (!decl) return undefined;
    if (Node.isParameterDeclaration(decl)) {
      const fn = decl.getParent();
      if (fn && isFunction(fn) && (fn as Node & { getParameters(): Node[] }).getParameters()[0] === decl) return this.instance(fn, false);
      return undefined;
    }
    if (Node.isVariableDeclaration(decl) && decl.getInitializer()) return this.instanceOf(decl.getInitializerOrThrow(), depth + 1);
    return undefined;
  }

  private collect(): void {
    for (const call of this.code.calls()) {
      if (!Node.isCallExpression(call)) continue;
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) continue;
      const name = callee.getName();
      if (!(name in SHORTHAND) && !['route', 'register', 'addHook', 'decorate', 'decorateRequest'].includes(name)) continue;
      const inst = this.instanceOf(callee.getExpression());
      if (!inst) continue;
      if (name === 'decorate') {
        const [n, v] = call.getArguments();
        const key = n ? this.code.str(n) : undefined;
        const fn = v ? this.code.fn(v) : undefined;
        if (key && fn) this.decorations.set(key, fn);
        continue;
      }
      if (name === 'decorateRequest') continue;
      inst.entries.push(call);
    }
    for (const i of this.instances.values()) i.entries.sort((a, b) => cmp(this.code.rel(a), this.code.rel(b)) || a.getStart() - b.getStart());
  }

  /** A registered plugin: its function, and whether `fastify-plugin` wraps it (no encapsulation). */
  private plugin(expr: Node, depth = 0): { fn: Node; shared: boolean } | undefined {
    if (depth > 6) return undefined;
    const e = unwrap(expr);
    if (Node.isCallExpression(e)) {
      const callee = e.getExpression();
      if (callee.getKind() === SyntaxKind.ImportKeyword) {
        const spec = e.getArguments()[0];
        const target = spec && Node.isStringLiteral(spec) ? this.code.moduleDefault(e, spec.getLiteralValue()) : undefined;
        return target ? this.plugin(target, depth + 1) : undefined;
      }
      const ext = this.code.external(callee);
      if ((ext && ext.module === 'fastify-plugin') || callee.getText() === 'fp') {
        const inner = e.getArguments()[0];
        const found = inner ? this.plugin(inner, depth + 1) : undefined;
        return found ? { fn: found.fn, shared: true } : undefined;
      }
      return undefined;
    }
    if (isFunction(e)) return { fn: e, shared: false };
    const v = this.code.value(e);
    if (v && v !== e) return this.plugin(v, depth + 1);
    return undefined;
  }

  // ---- walking

  private walk(inst: Instance, prefix: string, inherited: Hook[], out: Route[], visiting: Set<Instance>): void {
    if (visiting.has(inst)) return;
    visiting.add(inst);
    const level: Hook['level'] = inst.root ? 'app' : 'router';
    const hooks = [...inherited, ...this.ownHooks(inst, level, new Set())];
    for (const call of inst.entries) {
      if (!Node.isCallExpression(call)) continue;
      const name = (call.getExpression() as unknown as { getName(): string }).getName();
      const args = call.getArguments();
      if (name === 'addHook') continue;
      if (name === 'register') {
        if (args[0] && AUTOLOAD_MODULES.has(this.code.external(args[0])?.module ?? '')) {
          this.walkAutoload(call, args[1], prefix, hooks, out, visiting);
          continue;
        }
        const p = args[0] ? this.plugin(args[0]) : undefined;
        if (!p) continue;
        const opts = args[1] ? this.code.obj(args[1]) : undefined;
        const prefixNode = opts ? this.code.objectMember(opts, 'prefix') : undefined;
        let own = '';
        if (prefixNode) {
          const v = this.code.str(prefixNode);
          if (v === undefined) {
            this.code.warn(prefixNode, `cannot resolve route path statically: plugin prefix ${truncate(prefixNode.getText())}; its routes are left out`);
            continue;
          }
          own = v.replace(/:(\w+)/g, '{$1}');
        }
        // a fastify-plugin shares its hooks with this instance (they are in `hooks` already)
        this.walk(this.instance(p.fn, false), joinPaths(prefix, own), p.shared ? inherited : hooks, out, visiting);
        continue;
      }
      this.route(call, name, args, prefix, hooks, out);
    }
    visiting.delete(inst);
  }

  /**
   * `register(autoload, { dir, options: { prefix }, autoHooks, ... })`: each plugin file the
   * directory gives (fastify-autoload.ts), under the prefix its folder, `autoPrefix` or
   * `prefixOverride` gives it, with the hooks of the autohooks files around it.
   */
  private walkAutoload(call: Node, optionsNode: Node | undefined, prefix: string, hooks: Hook[], out: Route[], visiting: Set<Instance>): void {
    const opts = optionsNode ? this.code.obj(optionsNode) : undefined;
    const dirNode = opts ? this.code.objectMember(opts, 'dir') : undefined;
    const dir = dirNode ? this.dirValue(dirNode) : undefined;
    if (!opts || !dirNode || dir === undefined) {
      this.code.warn(
        dirNode ?? call,
        `cannot resolve the @fastify/autoload dir statically: ${truncate((dirNode ?? call).getText())}; the routes it loads are left out`,
      );
      return;
    }
    const flag = (key: keyof typeof AUTOLOAD_DEFAULTS & string): boolean => {
      const node = this.code.objectMember(opts, key);
      if (!node) return AUTOLOAD_DEFAULTS[key] as boolean;
      const text = unwrap(node).getText();
      if (text === 'true' || text === 'false') return text === 'true';
      this.code.warn(node, `@fastify/autoload ${key} is not a literal true or false; read as ${String(AUTOLOAD_DEFAULTS[key])}`);
      return AUTOLOAD_DEFAULTS[key] as boolean;
    };
    const pattern = (key: 'ignorePattern' | 'indexPattern' | 'autoHooksPattern'): RegExp | undefined => {
      const node = this.code.objectMember(opts, key);
      if (!node) return AUTOLOAD_DEFAULTS[key];
      const literal = unwrap(node);
      if (Node.isRegularExpressionLiteral(literal)) {
        const m = /^\/(.*)\/([a-z]*)$/s.exec(literal.getText());
        if (m) return new RegExp(m[1]!, m[2]!.replace('g', ''));
      }
      this.code.warn(node, `@fastify/autoload ${key} is not a regular expression literal; the default is used`);
      return AUTOLOAD_DEFAULTS[key];
    };
    const maxDepthNode = this.code.objectMember(opts, 'maxDepth');
    const inner = this.code.objectMember(opts, 'options');
    const globalPrefix = inner ? this.prefixOption(inner) : '';
    if (globalPrefix === undefined) {
      this.code.warn(inner!, `cannot resolve the @fastify/autoload options.prefix statically; the routes it loads are left out`);
      return;
    }
    const plugins = autoloadedPlugins([...this.code.files.keys()], {
      dir,
      dirNameRoutePrefix: flag('dirNameRoutePrefix'),
      autoHooks: flag('autoHooks'),
      cascadeHooks: flag('cascadeHooks'),
      overwriteHooks: flag('overwriteHooks'),
      routeParams: flag('routeParams'),
      maxDepth: maxDepthNode ? this.code.num(maxDepthNode) : undefined,
      ignorePattern: pattern('ignorePattern'),
      indexPattern: pattern('indexPattern') ?? AUTOLOAD_DEFAULTS.indexPattern,
      autoHooksPattern: pattern('autoHooksPattern') ?? AUTOLOAD_DEFAULTS.autoHooksPattern,
    });
    if (plugins.length === 0) this.code.warn(dirNode, `@fastify/autoload dir ${dir} holds no script file of the project; nothing is loaded from it`);
    const hooksOf = new Map<string, Hook[]>();
    const fileHooks = (file: string): Hook[] => {
      let found = hooksOf.get(file);
      if (!found) {
        const exported = this.code.moduleExport(file);
        const p = exported ? this.plugin(exported) : undefined;
        found = p ? this.ownHooks(this.instance(p.fn, false), 'router', new Set()) : [];
        hooksOf.set(file, found);
      }
      return found;
    };
    for (const loaded of plugins) {
      const exported = this.code.moduleExport(loaded.file);
      const at = this.code.files.get(loaded.file)!;
      if (!exported) {
        this.code.warn(at, `@fastify/autoload loads ${loaded.file}, but it exports no plugin parity can read; its routes are left out`);
        continue;
      }
      const member = (name: string) => this.code.moduleMember(loaded.file, name);
      const autoload = member('autoload');
      if (autoload && unwrap(autoload).getText() === 'false') continue;
      const override = member('prefixOverride');
      const auto = member('autoPrefix');
      const overrideValue = override ? this.code.str(override) : undefined;
      const autoValue = auto ? this.code.str(auto) : undefined;
      if ((override && overrideValue === undefined) || (auto && autoValue === undefined)) {
        this.code.warn(override ?? auto!, `cannot resolve the plugin's prefix statically: ${truncate((override ?? auto!).getText())}; its routes are left out`);
        continue;
      }
      const own = overrideValue !== undefined ? overrideValue : `${globalPrefix.replace(/\/$/, '')}${autoValue || loaded.dirPrefix}`;
      const level = [...hooks, ...loaded.hooks.flatMap(fileHooks)];
      const full = joinPaths(prefix, own.replace(/:(\w+)/g, '{$1}'));
      const literal = unwrap(exported);
      // A module that exports a route object is registered as that route.
      if (Node.isObjectLiteralExpression(literal) && this.code.objectMember(literal, 'method')) {
        this.route(literal, 'route', [literal], full, level, out);
        continue;
      }
      const p = this.plugin(exported);
      if (!p) {
        this.code.warn(at, `@fastify/autoload loads ${loaded.file}, but it exports no plugin parity can read; its routes are left out`);
        continue;
      }
      this.walk(this.instance(p.fn, false), full, level, out, visiting);
    }
  }

  /** A `prefix` in plugin options: `{ prefix: '/api' }`, `Object.assign({ prefix }, opts)`, `{ ...opts, prefix }`; '' when none is given, undefined when it cannot be read. */
  private prefixOption(node: Node): string | undefined {
    const e = unwrap(node);
    if (Node.isCallExpression(e) && e.getExpression().getText() === 'Object.assign') {
      let found = '';
      for (const arg of e.getArguments()) {
        const value = this.prefixOption(arg);
        if (value === undefined) return undefined;
        if (value !== '') found = value;
      }
      return found;
    }
    const obj = this.code.obj(e);
    if (!obj) return '';
    const member = this.code.objectMember(obj, 'prefix');
    return member ? this.code.str(member) : '';
  }

  /** A directory expression (`path.join(__dirname, 'routes')`, `` `${__dirname}/routes` ``), project-relative. */
  private dirValue(node: Node, depth = 0): string | undefined {
    if (depth > 4) return undefined;
    const here = path.dirname(this.code.rel(node));
    const base = here === '.' ? '' : here;
    const part = (n: Node): string | { dirname: true } | undefined => {
      const u = unwrap(n);
      const text = u.getText();
      if (text === '__dirname' || text === 'import.meta.dirname') return { dirname: true };
      if (
        Node.isCallExpression(u) &&
        /(^|\.)dirname$/.test(u.getExpression().getText()) &&
        /import\.meta\.(url|filename)|__filename/.test(u.getArguments()[0]?.getText() ?? '')
      )
        return { dirname: true };
      return this.code.str(u);
    };
    const e = unwrap(node);
    if (Node.isCallExpression(e) && /(^|\.)(join|resolve)$/.test(e.getExpression().getText())) {
      const parts = e.getArguments().map(part);
      if (parts.some((p) => p === undefined)) return undefined;
      return joinDir(base, parts as (string | { dirname: true })[]);
    }
    if (Node.isTemplateExpression(e)) {
      const parts: (string | { dirname: true })[] = [e.getHead().getLiteralText()];
      for (const span of e.getTemplateSpans()) {
        const value = part(span.getExpression());
        if (value === undefined) return undefined;
        parts.push(value, span.getLiteral().getLiteralText());
      }
      return joinDir(
        base,
        parts.filter((p) => p !== ''),
      );
    }
    const whole = part(e);
    if (whole !== undefined) return typeof whole === 'string' ? joinDir('', [whole]) : base;
    const value = this.code.value(e);
    return value && value !== e ? this.dirValue(value, depth + 1) : undefined;
  }

  /** Hooks added on an instance, and on the fastify-plugin plugins it registers (they are not encapsulated). */
  private ownHooks(inst: Instance, level: Hook['level'], seen: Set<Instance>): Hook[] {
    if (seen.has(inst)) return [];
    seen.add(inst);
    const hooks: Hook[] = [];
    for (const call of inst.entries) {
      if (!Node.isCallExpression(call)) continue;
      const name = (call.getExpression() as unknown as { getName(): string }).getName();
      const args = call.getArguments();
      if (name === 'addHook') {
        const hookName = args[0] ? this.code.str(args[0]) : undefined;
        if (hookName && GUARD_HOOKS.has(hookName) && args[1]) for (const h of flatten([args[1]])) hooks.push({ expr: h, level, name: hookName });
      } else if (name === 'register') {
        const p = args[0] ? this.plugin(args[0]) : undefined;
        if (p?.shared) hooks.push(...this.ownHooks(this.instance(p.fn, false), level, seen));
      }
    }
    return hooks;
  }

  private route(call: Node, name: string, args: Node[], prefix: string, hooks: Hook[], out: Route[]): void {
    let methods: Array<EndpointFacts['method']> = [];
    let pathNode: Node | undefined;
    let options: Node | undefined;
    let handler: Node | undefined;
    if (name === 'route') {
      options = args[0] ? this.code.obj(args[0]) : undefined;
      if (!options) {
        this.code.warn(call, 'cannot read the route options statically; route left out');
        return;
      }
      const m = this.code.objectMember(options, 'method');
      const list = m ? (Node.isArrayLiteralExpression(unwrap(m)) ? (unwrap(m) as Node & { getElements(): Node[] }).getElements() : [m]) : [];
      for (const el of list) {
        const v = this.code.str(el)?.toUpperCase();
        if (v && METHOD_NAMES.has(v)) methods.push(v as EndpointFacts['method']);
        else if (v === 'ALL' || v === '*') methods.push('*');
        else if (v !== undefined) this.code.warn(el, unsupportedMethodWarning(v));
        else this.code.warn(el, `cannot resolve the route method statically: ${truncate(el.getText())}`);
      }
      pathNode = this.code.objectMember(options, 'url') ?? this.code.objectMember(options, 'path');
      handler = this.code.objectMember(options, 'handler');
    } else {
      methods = [SHORTHAND[name]!];
      pathNode = args[0];
      if (args.length >= 3) {
        options = this.code.obj(args[1]!);
        handler = args[args.length - 1];
      } else if (args[1]) {
        const asObj = this.code.obj(args[1]);
        if (asObj && this.code.objectMember(asObj, 'handler')) {
          options = asObj;
          handler = this.code.objectMember(asObj, 'handler');
        } else handler = args[1];
      }
    }
    if (!pathNode || !handler) return;
    const raws = loopPaths(pathNode, (n) => this.code.str(n));
    if (raws === undefined) {
      this.code.warn(pathNode, `cannot resolve route path statically: ${truncate(pathNode.getText())}`);
      return;
    }
    for (const raw of raws) this.routeVariants(raw, pathNode, methods, prefix, handler, options, hooks, out);
  }

  private routeVariants(
    raw: string,
    pathNode: Node,
    methods: Array<EndpointFacts['method']>,
    prefix: string,
    handler: Node,
    options: Node | undefined,
    hooks: Hook[],
    out: Route[],
  ): void {
    const t = templatePaths(raw);
    if ('problem' in t) {
      this.code.warn(pathNode, `cannot resolve route path statically: ${t.problem}`);
      return;
    }
    for (const opt of t.optional) this.code.warn(pathNode, `optional path parameter ${opt}: listed as two routes, without and with the parameter`);
    // Under a prefix, Fastify registers a '/' route as both `/prefix` and `/prefix/` unless the route's prefixTrailingSlash says one.
    const trailing = options ? this.code.objectMember(options, 'prefixTrailingSlash') : undefined;
    const slashes = (trailing && this.code.str(trailing)) ?? 'both';
    for (const p of t.paths) {
      const full = joinPaths(prefix, p);
      const variants = p === '/' && full !== '/' ? [...(slashes === 'slash' ? [] : [full]), ...(slashes === 'no-slash' ? [] : [`${full}/`])] : [full];
      for (const variant of variants) for (const method of methods) out.push({ method, path: variant, pathAt: pathNode, handler, options, hooks });
    }
  }

  // ---- facts

  private hookFn(expr: Node): Node | undefined {
    const e = unwrap(expr);
    // fastify.authenticate: what decorate('authenticate', fn) was given
    if (Node.isPropertyAccessExpression(e) && this.instanceOf(e.getExpression())) {
      const fn = this.decorations.get(e.getName());
      if (fn) return fn;
    }
    return middlewareFn(this.code, expr);
  }

  private describe(route: Route): EndpointFacts {
    const facts: Facts = newFacts();
    const guards: Guard[] = [];
    const hookItems: Array<{ expr: Node; level: Guard['level'] & string; name: string }> = [...route.hooks];
    const opts = route.options;
    if (opts) {
      for (const hookName of ['onRequest', 'preParsing', 'preValidation', 'preHandler']) {
        const h = this.code.objectMember(opts, hookName);
        if (h) for (const x of flatten([h])) hookItems.push({ expr: x, level: 'handler', name: hookName });
      }
    }
    const schema = opts ? this.schemaOf(opts) : undefined;
    const success = schema?.success ?? 200;
    for (const item of hookItems) {
      const fn = this.hookFn(item.expr);
      const g =
        guardOf(this.code, item.expr, item.level as NonNullable<Guard['level']>, fn) ??
        this.inlineGuard(item.expr, item.name, item.level as NonNullable<Guard['level']>, fn);
      if (g) guards.push(g);
      if (fn) this.scanner.scanFunction(fn, facts, fastifyDialect(undefined, success), 'middleware', this.names(fn));
    }
    if (schema && schema.parts.length > 0) {
      guards.push({ kind: 'validation', text: `schema: ${schema.parts.join(', ')}`, level: 'handler', evidence: this.code.at(schema.node) });
      this.scanner.addOutcome(400, schema.node, rootEnv(schema.node), facts, undefined, `the request does not match the schema (${schema.parts.join(', ')})`);
    }
    const handlerFn = this.code.fn(route.handler);
    if (handlerFn) this.scanner.scanFunction(handlerFn, facts, fastifyDialect(handlerFn, success), 'handler', this.names(handlerFn));
    else this.code.warn(route.handler, `cannot resolve the handler ${truncate(route.handler.getText())} to a function in the project; its facts are left out`);
    return buildEndpoint({
      method: route.method,
      path: route.path,
      framework: 'fastify',
      handler: handlerFn ?? route.handler,
      pathAt: route.pathAt,
      facts,
      guards,
      declared: schema?.params ?? [],
      scanner: this.scanner,
    });
  }

  private names(fn: Node): { ctx: string[]; reply: string[] } {
    const [req = '', reply = ''] = paramNames(fn);
    return { ctx: [req], reply: [reply] };
  }

  /**
   * A hook is a guard when what it calls says so (`request.jwtVerify()`, `verifyApiKey(...)`),
   * inline or decorated under a name that does not (`fastify.readUser`).
   */
  private inlineGuard(expr: Node, hookName: string, level: NonNullable<Guard['level']>, fn: Node | undefined): Guard | undefined {
    if (!fn) return undefined;
    const inline = isFunction(unwrap(expr));
    for (const call of fn.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const callee = call.getExpression().getText();
      const g = guardOf(this.code, call.getExpression(), level);
      if (!g) continue;
      const required = g.kind === 'auth' ? middlewareAuthRequired(inline ? '' : unwrap(expr).getText(), fn) : undefined;
      const text = inline ? `${hookName} hook: ${callee}()` : `${unwrap(expr).getText()} (${hookName} hook: ${callee}())`;
      return { kind: g.kind, text, level, ...(required !== undefined && { required }), evidence: this.code.at(expr) };
    }
    return undefined;
  }

  /** A route's JSON schema: params with types, required and constraints; the success status of `response`. */
  private schemaOf(opts: Node): { node: Node; parts: string[]; params: Param[]; success: number | undefined } | undefined {
    const schemaNode = this.code.objectMember(opts, 'schema');
    if (!schemaNode) return undefined;
    const schema = this.code.obj(schemaNode);
    if (!schema) return undefined;
    const parts: string[] = [];
    const params: Param[] = [];
    for (const [key, where] of Object.entries(SCHEMA_PARTS)) {
      const partNode = this.code.objectMember(schema, key);
      const part = partNode ? this.code.obj(partNode) : undefined;
      if (!part) continue;
      parts.push(key);
      const required = new Set<string>();
      const req = this.code.objectMember(part, 'required');
      if (req && Node.isArrayLiteralExpression(unwrap(req))) {
        for (const el of (unwrap(req) as Node & { getElements(): Node[] }).getElements()) {
          const v = this.code.str(el);
          if (v) required.add(v);
        }
      }
      const propsNode = this.code.objectMember(part, 'properties');
      const props = propsNode ? this.code.obj(propsNode) : undefined;
      if (!props || !Node.isObjectLiteralExpression(props)) continue;
      for (const prop of props.getProperties()) {
        if (!Node.isPropertyAssignment(prop)) continue;
        const pname = propName(prop.getNameNode());
        if (!pname) continue;
        const def = this.code.obj(prop.getInitializerOrThrow());
        const p: Param = { name: pname, in: where };
        const validations: string[] = [];
        if (def && Node.isObjectLiteralExpression(def)) {
          for (const c of def.getProperties()) {
            if (!Node.isPropertyAssignment(c)) continue;
            const cname = propName(c.getNameNode());
            const init = c.getInitializerOrThrow();
            if (cname === 'type') {
              const t = this.code.str(init);
              if (t) p.type = t;
            } else if (cname === 'description') {
              const d = this.code.str(init);
              if (d) p.description = d;
            } else if (cname && cname !== 'default' && cname !== 'examples') validations.push(`${cname}: ${init.getText().replace(/\s+/g, ' ')}`);
          }
        }
        p.required = where === 'path' || required.has(pname);
        if (validations.length > 0) p.validations = validations;
        p.evidence = this.code.at(prop);
        params.push(p);
      }
    }
    let success: number | undefined;
    const respNode = this.code.objectMember(schema, 'response');
    const resp = respNode ? this.code.obj(respNode) : undefined;
    if (resp && Node.isObjectLiteralExpression(resp)) {
      const codes = resp
        .getProperties()
        .map((p) => (Node.isPropertyAssignment(p) ? propName(p.getNameNode()) : undefined))
        .filter((k): k is string => k !== undefined && /^2\d\d$/.test(k));
      if (codes.length === 1) success = Number(codes[0]);
    }
    return { node: schemaNode.getParentOrThrow(), parts, params, success };
  }
}

/** An environment for facts that belong to the route declaration itself (a schema's 400). */
function rootEnv(node: Node): Env {
  return {
    fn: node,
    depth: 0,
    rootLine: undefined,
    ctx: new Set(),
    reply: new Set(),
    when: undefined,
    whenIf: undefined,
    fieldHint: undefined,
    returnFlows: false,
    stack: [node],
  };
}
