/**
 * The Express extractor: routes, guards, params, outcomes, side effects and volatile fields of an
 * Express 4/5 codebase, read statically with ts-morph over an in-memory copy of the project.
 *
 * How it works, in three steps:
 *  1. Every JS/TS file is parsed. A small evaluator resolves identifiers (lexically, per function
 *     or file scope), `require('./x')`, `import ... from './x.js'`, `module.exports` / `exports.x`
 *     / `export default`, object literals and calls to project functions that return a router or
 *     a function (router factories, middleware factories).
 *  2. Every `X.get|post|...|all|use(...)` and `X.route(p).get(...)` call whose receiver evaluates
 *     to an app (`express()`) or a router (`express.Router()`) is an entry of that router, in source
 *     order. The apps are walked from the top: mounts (`use(prefix, router)`) recurse with the
 *     prefix, middleware registered with `use` before a route applies to it (within its prefix).
 *  3. For each route, the handler (its last argument) and the project functions it calls, to
 *     HELPER_DEPTH, are scanned for `req.*` params, `res.status(...)...` outcomes, SQL / ORM /
 *     job / mail / HTTP / cache side effects and volatile values. Middleware in the route's chain
 *     contributes guards (by name, see GUARD_PATTERNS) and outcomes (a 401 from an auth check).
 *
 * What it cannot resolve it says (`context.warn`), it does not guess: computed or regex paths,
 * handlers that are not project functions, routers reached only through function parameters.
 */
import path from 'node:path/posix';
import { Node, Project, SyntaxKind, ts, type SourceFile } from 'ts-morph';
import { endpointSourceHash, type HashedSpan } from '../hash.js';
import type { EndpointFacts, ExtractionWarning, Extractor, ExtractorContext, Guard, Outcome, Param, SideEffect, SourceProject, Volatile } from '../types.js';
import {
  assignedName,
  middlewareAuthRequired,
  BUILTIN_OBJECTS,
  CACHE_RECEIVER,
  catchAllSegment,
  cmp,
  headerValue,
  HTTP_ERROR_NAMES,
  ID_LIKE,
  loopPaths,
  JOB_FUNCTION,
  JOB_RECEIVER,
  MAIL,
  propName,
  SOURCE_FILE,
  sqlEffect,
  truncate,
  UNSUPPORTED_ROUTE_METHODS,
  unsupportedMethodWarning,
  withoutCatchAll,
} from './js-common.js';
import type { HttpMethod } from '../../src/spec/schema.js';

/** Calls to project functions are followed this deep for outcomes, side effects and volatile values. */
export const HELPER_DEPTH = 3;
/** Helpers to this depth are part of the source hash (depth 1 = called by the handler itself). */
export const HASH_DEPTH = 2;

/**
 * Middleware is a guard when its name (identifier, member expression or the callee of a
 * middleware factory call such as `rateLimit({...})`) matches one of these, tried in order.
 * Other middleware is not reported as a guard (its outcomes still count for the route).
 */
export const GUARD_PATTERNS: ReadonlyArray<{ kind: Guard['kind']; pattern: RegExp }> = [
  { kind: 'csrf', pattern: /csrf|xsrf/i },
  { kind: 'rate_limit', pattern: /rate.?limit|limiter|throttle|slowdown/i },
  { kind: 'authz', pattern: /authoriz|permission|requireRole|hasRole|checkRole|requireAdmin|isAdmin|requireScope|policy|\bcan[A-Z]/i },
  { kind: 'auth', pattern: /auth|apikey|api_key|token|jwt|session|login|passport|requireUser|ensureLoggedIn/i },
  // a body parser answers 400 on a malformed body before any route, so it counts as validation
  { kind: 'validation', pattern: /validat|celebrate|joi|schema|express\.json|express\.urlencoded|bodyParser/i },
];

const ROUTE_METHODS: Record<string, HttpMethod | '*'> = {
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
const SEND_METHODS = new Set(['json', 'send', 'end', 'sendStatus', 'jsonp', 'sendFile', 'redirect', 'render', 'download']);
const SQL_METHODS = new Set(['prepare', 'query', 'exec', 'run', 'execute', 'raw', 'none', 'one', 'oneOrNone', 'many', 'any']);
const ORM_WRITES = new Set([
  'create',
  'update',
  'destroy',
  'save',
  'insert',
  'upsert',
  'bulkCreate',
  'insertMany',
  'updateOne',
  'updateMany',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findByIdAndUpdate',
  'findByIdAndDelete',
  'remove',
  'delete',
  'increment',
  'decrement',
]);
const ORM_READS = new Set([
  'find',
  'findOne',
  'findAll',
  'findById',
  'findByPk',
  'findMany',
  'findUnique',
  'findFirst',
  'count',
  'findAndCountAll',
  'aggregate',
]);
const JOB_METHOD = /^(send.*mail|enqueue|notify|queue|schedule|dispatch)/i;
const HTTP_GLOBALS = new Set(['fetch', 'got', 'axios', 'superagent', 'request', 'needle', 'ky']);
const HTTP_MODULES = /^(axios|got|superagent|needle|ky|node-fetch|undici|http|https|node:http|node:https|request)$/;
const CACHE_METHODS = new Set(['set', 'setex', 'setEx', 'del', 'hset', 'hSet', 'incr', 'expire', 'put', 'mset', 'delete']);

type FnNode = Node & { getParameters(): Node[] };

type Val =
  | { k: 'fn'; node: Node }
  | { k: 'router'; r: RouterInfo }
  | { k: 'chain'; r: RouterInfo; path: Node | undefined; node: Node }
  | { k: 'obj'; node: Node }
  | { k: 'module'; file: string }
  | { k: 'members'; members: Map<string, Node>; base: Val | undefined }
  | { k: 'express' }
  | { k: 'routerFn' }
  | { k: 'str'; value: string }
  | { k: 'ext'; module: string; member: string | undefined }
  | { k: 'cls'; node: Node }
  | { k: 'unknown' };

interface RouterInfo {
  node: Node;
  app: boolean;
  entries: Entry[];
}

interface Entry {
  kind: 'use' | 'route';
  call: Node;
  /** For routes: the method; for use: undefined. */
  method?: HttpMethod | '*';
  /** The path argument (routes) or the chain's path (route chains); for use, the first arg when a path. */
  pathNode?: Node | undefined;
  /** Handler/middleware arguments, arrays flattened. */
  args: Node[];
}

interface ChainItem {
  expr: Node;
  fn: Val;
  level: 'app' | 'router' | 'handler';
  /** Full path prefix the middleware is scoped to. */
  scope: string;
}

interface RouteFound {
  method: HttpMethod | '*';
  path: string;
  call: Node;
  pathNode: Node | undefined;
  handlerExpr: Node;
  chain: ChainItem[];
  /** Error handlers (4 parameters) in scope. */
  errorHandlers: ChainItem[];
}

/** How one function is being read: who `req` and `res` are, what its parameters are bound to. */
interface Env {
  fn: Node;
  depth: number;
  /** Evidence line for facts found here: the call site in the root function when depth > 0. */
  rootLine: number | undefined;
  reqNames: Set<string>;
  resNames: Set<string>;
  /** The route function's `next` parameter: an error handed to it is answered by the error handler. */
  nextNames?: Set<string>;
  bindings: Map<string, { expr: Node; env: Env } | undefined>;
  /** The nearest `if` around the call in the caller, for facts found in a helper without their own. */
  when: string | undefined;
  whenIf: Node | undefined;
  /** The name the caller assigns this helper's result to, for volatile values it returns. */
  fieldHint: string | undefined;
  /** Does what this helper returns reach the root function (volatile values count only then)? */
  returnFlows: boolean;
  stack: Node[];
}

interface Facts {
  params: Map<string, Param & { accesses: Set<string>; fnNode: Node }>;
  outcomes: Array<Outcome & { ifNode?: Node }>;
  sideEffects: SideEffect[];
  volatile: Volatile[];
  helpers: Map<Node, number>;
}

export const expressExtractor: Extractor = {
  name: 'express',
  language: 'javascript',
  entryPoint: /\bexpress\(\s*\)|\bexpress\.Router\(/,
  detect(project: SourceProject): boolean {
    for (const file of project.files) {
      if (path.basename(file) === 'package.json') {
        try {
          const manifest = JSON.parse(project.read(file)) as Record<string, unknown>;
          for (const key of ['dependencies', 'devDependencies', 'peerDependencies']) {
            const deps = manifest[key];
            if (deps && typeof deps === 'object' && 'express' in deps) return true;
          }
        } catch {
          // a broken manifest is not ours to report here
        }
      }
    }
    return project.files.some(
      (file) => SOURCE_FILE.test(file) && !file.endsWith('.d.ts') && /require\(\s*['"]express['"]\s*\)|from\s+['"]express['"]/.test(project.read(file)),
    );
  },
  extract(context: ExtractorContext): EndpointFacts[] {
    return new ExpressReader(context).run();
  },
};

class ExpressReader {
  private readonly project = new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true, noLib: true } });
  private readonly files = new Map<string, SourceFile>();
  private readonly fileOf = new Map<SourceFile, string>();
  private readonly routers = new Map<Node, RouterInfo>();
  private readonly evalCache = new Map<Node, Val>();
  private readonly evaluating = new Set<Node>();
  private readonly scopeCache = new Map<ts.Node, Map<string, ts.Node>>();
  private readonly exportCache = new Map<string, Val>();
  private readonly warned = new Set<string>();
  private readonly newlines = new Map<SourceFile, number[]>();
  /** Per function body: the nodes `scan` looks at, in tree order. */
  private readonly scanNodesCache = new Map<Node, Node[]>();
  /** Per function: the nodes `typeHint` looks at, in tree order. */
  private readonly hintNodesCache = new Map<Node, Node[]>();

  constructor(private readonly context: ExtractorContext) {}

  run(): EndpointFacts[] {
    this.load();
    this.collectEntries();
    const routes = this.walkApps();
    const seen = new Set<string>();
    const out: EndpointFacts[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) {
        this.warn(route.call, `duplicate route ${key}: the first registration answers, this one is left out`);
        continue;
      }
      seen.add(key);
      try {
        out.push(this.describe(route));
      } catch (error) {
        this.warn(route.call, `could not read the facts of ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return out.sort((a, b) => cmp(a.path, b.path) || cmp(a.method, b.method) || cmp(a.handler, b.handler));
  }

  // ---- loading ---------------------------------------------------------------------------------

  private load(): void {
    // parse every file first, then read the syntactic diagnostics from one program: asking the
    // project for its program after each file would rebuild it once per file
    const loaded: Array<{ file: string; sf?: SourceFile; error?: unknown }> = [];
    for (const file of this.context.project.files) {
      if (!SOURCE_FILE.test(file) || file.endsWith('.d.ts') || file.split('/').includes('node_modules')) continue;
      try {
        const text = this.context.project.read(file);
        loaded.push({ file, sf: this.project.createSourceFile(`/${file}`, text, { overwrite: true }) });
      } catch (error) {
        loaded.push({ file, error });
      }
    }
    let program: ReturnType<Project['getProgram']>['compilerObject'] | undefined;
    let programError: unknown;
    if (loaded.some((l) => l.sf)) {
      try {
        program = this.project.getProgram().compilerObject;
      } catch (error) {
        programError = error;
      }
    }
    for (const { file, sf, error } of loaded) {
      try {
        if (!sf) throw error;
        if (!program) throw programError;
        const diagnostics = program.getSyntacticDiagnostics(sf.compilerNode);
        const first = diagnostics[0];
        if (first) {
          const line = first.start === undefined ? 1 : sf.getLineAndColumnAtPos(first.start).line;
          const message = typeof first.messageText === 'string' ? first.messageText : first.messageText.messageText;
          this.context.warn({ file, line, message: `does not parse (${message}); read what could be recovered` });
        }
        this.files.set(file, sf);
        this.fileOf.set(sf, file);
      } catch (error) {
        this.context.warn({ file, line: 1, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` });
      }
      this.context.progress?.(file);
    }
  }

  private rel(node: Node): string {
    return this.fileOf.get(node.getSourceFile()) ?? node.getSourceFile().getFilePath().replace(/^\//, '');
  }

  private line(node: Node): number {
    return this.lineAt(node.getSourceFile(), node.getStart());
  }

  /** The line of a position as ts-morph's getStartLineNumber counts it: 1 + the `\n`s before it. */
  private lineAt(sf: SourceFile, pos: number): number {
    let breaks = this.newlines.get(sf);
    if (!breaks) {
      breaks = [];
      const text = sf.getFullText();
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) breaks.push(i);
      this.newlines.set(sf, breaks);
    }
    let lo = 0;
    let hi = breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (breaks[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  private endLine(node: Node): number {
    return this.lineAt(node.getSourceFile(), node.getEnd());
  }

  private span(node: Node): HashedSpan {
    return { file: this.rel(node), start: this.line(node), end: this.endLine(node), text: node.getText() };
  }

  private at(node: Node): string {
    return `${this.rel(node)}:${this.line(node)}`;
  }

  private warn(node: Node, message: string): void {
    const warning: ExtractionWarning = { file: this.rel(node), line: this.line(node), message };
    const key = `${warning.file}\0${warning.line}\0${message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.context.warn(warning);
  }

  // ---- scopes and evaluation -------------------------------------------------------------------

  /** The names a function or file scope declares (walked on the compiler nodes: no wrapping). */
  private scopeNames(scope: ts.Node, sf: ts.SourceFile): Map<string, ts.Node> {
    let names = this.scopeCache.get(scope);
    if (names) return names;
    const found = new Map<string, ts.Node>();
    const add = (name: string, decl: ts.Node) => {
      if (!found.has(name)) found.set(name, decl);
    };
    const addBinding = (nameNode: ts.Node, decl: ts.Node) => {
      if (ts.isIdentifier(nameNode)) add(nameNode.getText(sf), decl);
      else if (ts.isObjectBindingPattern(nameNode) || ts.isArrayBindingPattern(nameNode)) {
        for (const el of nameNode.elements) if (ts.isBindingElement(el)) addBinding(el.name, el);
      }
    };
    const fn = FUNCTION_KINDS.has(scope.kind);
    if (fn) {
      for (const p of (scope as ts.SignatureDeclarationBase).parameters) addBinding(p.name, p);
      if (ts.isFunctionExpression(scope) && scope.name) add(scope.name.getText(sf), scope);
    }
    const visit = (node: ts.Node) => {
      ts.forEachChild(node, (child) => {
        if (ts.isVariableDeclaration(child)) addBinding(child.name, child);
        else if (ts.isFunctionDeclaration(child) || ts.isClassDeclaration(child)) {
          if (child.name) add(child.name.getText(sf), child);
        } else if (ts.isImportDeclaration(child)) {
          const clause = child.importClause;
          if (clause?.name) add(clause.name.getText(sf), child);
          const bindings = clause?.namedBindings;
          if (bindings && ts.isNamespaceImport(bindings)) add(bindings.name.getText(sf), child);
          else if (bindings && ts.isNamedImports(bindings)) for (const spec of bindings.elements) add(spec.name.getText(sf), spec);
        }
        if (FUNCTION_KINDS.has(child.kind) || ts.isClassDeclaration(child)) return;
        visit(child);
      });
    };
    visit(fn ? ((scope as ts.FunctionLikeDeclarationBase).body ?? scope) : scope);
    this.scopeCache.set(scope, found);
    return found;
  }

  /** The declaration an identifier refers to, by lexical lookup through function and file scopes. */
  private lookup(name: string, from: Node): Node | undefined {
    const sf = from.getSourceFile();
    for (let node: ts.Node | undefined = from.compilerNode; node; node = node.parent) {
      if (FUNCTION_KINDS.has(node.kind) || node.kind === SyntaxKind.SourceFile) {
        const decl = this.scopeNames(node, sf.compilerNode).get(name);
        if (decl) return wrap(sf, decl);
      }
    }
    return undefined;
  }

  private resolveFile(fromFile: string, spec: string): string | undefined {
    if (!spec.startsWith('.')) return undefined;
    const base = path.normalize(path.join(path.dirname(fromFile), spec));
    const stripped = base.replace(/\.(c|m)?js$/, '');
    const candidates = [
      base,
      `${base}.js`,
      `${base}.ts`,
      `${base}.cjs`,
      `${base}.mjs`,
      `${stripped}.ts`,
      `${stripped}.tsx`,
      `${base}/index.js`,
      `${base}/index.ts`,
    ];
    return candidates.find((c) => this.files.has(c));
  }

  private requireTarget(call: Node): Val | undefined {
    if (!Node.isCallExpression(call)) return undefined;
    const callee = call.getExpression();
    if (!Node.isIdentifier(callee) || callee.getText() !== 'require') return undefined;
    const arg = call.getArguments()[0];
    if (!arg || !Node.isStringLiteral(arg)) return { k: 'unknown' };
    return this.moduleVal(this.rel(call), arg.getLiteralValue());
  }

  private moduleVal(fromFile: string, spec: string): Val {
    if (spec === 'express') return { k: 'express' };
    const file = this.resolveFile(fromFile, spec);
    return file ? { k: 'module', file } : { k: 'ext', module: spec, member: undefined };
  }

  /** What a module exports: its `module.exports` value plus named exports. */
  private exportsOf(file: string): Val {
    const cached = this.exportCache.get(file);
    if (cached) return cached;
    const members = new Map<string, Node>();
    const result: Val = { k: 'members', members, base: undefined };
    this.exportCache.set(file, result);
    const sf = this.files.get(file);
    if (!sf) return result;
    let baseExpr: Node | undefined;
    const sfc = sf.compilerNode;
    const visit = (node: ts.Node): undefined => {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === SyntaxKind.EqualsToken) {
        const left = node.left.getText(sfc).replace(/\s+/g, '');
        if (left === 'module.exports') baseExpr = wrap(sf, node.right);
        const m = /^(?:module\.exports|exports)\.([A-Za-z_$][\w$]*)$/.exec(left);
        if (m) members.set(m[1]!, wrap(sf, node.right));
      }
      ts.forEachChild(node, visit);
      return undefined;
    };
    ts.forEachChild(sfc, visit);
    for (const stmt of sf.getStatements()) {
      if (Node.isExportAssignment(stmt)) members.set('default', stmt.getExpression());
      else if (Node.isFunctionDeclaration(stmt) || Node.isClassDeclaration(stmt)) {
        if (stmt.isDefaultExport()) members.set('default', stmt);
        else if (stmt.isExported() && stmt.getName()) members.set(stmt.getName()!, stmt);
      } else if (Node.isVariableStatement(stmt) && stmt.isExported()) {
        for (const d of stmt.getDeclarations()) members.set(d.getName(), d);
      } else if (Node.isExportDeclaration(stmt) && !stmt.getModuleSpecifier()) {
        for (const spec of stmt.getNamedExports()) {
          const local = spec.getNameNode();
          const decl = this.lookup(local.getText(), stmt);
          if (decl) members.set((spec.getAliasNode() ?? local).getText(), decl);
        }
      }
    }
    if (baseExpr) result.base = this.evaluate(baseExpr);
    return result;
  }

  private member(val: Val, name: string): Val {
    switch (val.k) {
      case 'module':
        return this.member(this.exportsOf(val.file), name);
      case 'members': {
        const node = val.members.get(name);
        if (node) return this.evalDecl(node);
        if (val.base) return this.member(val.base, name);
        return { k: 'unknown' };
      }
      case 'obj': {
        const lit = val.node;
        if (!Node.isObjectLiteralExpression(lit)) return { k: 'unknown' };
        for (const prop of [...lit.getProperties()].reverse()) {
          if (Node.isPropertyAssignment(prop) && propName(prop.getNameNode()) === name) return this.evaluate(prop.getInitializerOrThrow());
          if (Node.isShorthandPropertyAssignment(prop) && prop.getName() === name) return this.evalIdentifier(prop.getNameNode());
          if (Node.isMethodDeclaration(prop) && propName(prop.getNameNode()) === name) return { k: 'fn', node: prop };
        }
        return { k: 'unknown' };
      }
      case 'express':
        return name === 'Router' ? { k: 'routerFn' } : { k: 'ext', module: 'express', member: name };
      case 'ext':
        return { k: 'ext', module: val.module, member: val.member ? `${val.member}.${name}` : name };
      default:
        return { k: 'unknown' };
    }
  }

  /** The value of a module as a whole (CommonJS `module.exports`, or an ES module's default). */
  private wholeModule(val: Val): Val {
    if (val.k !== 'module') return val;
    const exp = this.exportsOf(val.file);
    if (exp.k === 'members' && exp.base) return exp.base;
    return val;
  }

  private evalDecl(decl: Node): Val {
    const cached = this.evalCache.get(decl);
    if (cached) return cached;
    if (this.evaluating.has(decl)) return { k: 'unknown' };
    this.evaluating.add(decl);
    let val: Val = { k: 'unknown' };
    try {
      if (Node.isFunctionDeclaration(decl) || Node.isFunctionExpression(decl) || Node.isArrowFunction(decl) || Node.isMethodDeclaration(decl))
        val = { k: 'fn', node: decl };
      else if (Node.isClassDeclaration(decl)) val = { k: 'cls', node: decl };
      else if (Node.isVariableDeclaration(decl)) {
        const init = decl.getInitializer();
        if (init) val = this.evaluate(init);
      } else if (Node.isBindingElement(decl)) {
        // const { Router } = require('express'), const { create } = require('./c')
        const pattern = decl.getParent();
        const owner = pattern?.getParent();
        const name = (decl.getPropertyNameNode() ?? decl.getNameNode()).getText();
        if (owner && Node.isVariableDeclaration(owner) && owner.getInitializer()) val = this.member(this.evaluate(owner.getInitializerOrThrow()), name);
      } else if (Node.isImportDeclaration(decl)) {
        const mod = this.moduleVal(this.rel(decl), decl.getModuleSpecifierValue());
        const clause = decl.getImportClause();
        if (clause?.getNamespaceImport()) val = mod;
        else val = mod.k === 'module' ? this.defaultOf(mod) : mod;
      } else if (Node.isImportSpecifier(decl)) {
        const imp = decl.getImportDeclaration();
        val = this.member(this.moduleVal(this.rel(decl), imp.getModuleSpecifierValue()), decl.getName());
      } else if (Node.isExpression(decl)) val = this.evaluate(decl);
    } finally {
      this.evaluating.delete(decl);
    }
    this.evalCache.set(decl, val);
    return val;
  }

  private defaultOf(mod: Val & { k: 'module' }): Val {
    const exp = this.exportsOf(mod.file);
    if (exp.k === 'members') {
      const def = exp.members.get('default');
      if (def) return this.evalDecl(def);
      if (exp.base) return exp.base;
    }
    return mod;
  }

  private evalIdentifier(id: Node): Val {
    const decl = this.lookup(id.getText(), id);
    return decl ? this.evalDecl(decl) : { k: 'unknown' };
  }

  evaluate(expr: Node): Val {
    return this.normalise(this.evaluateRaw(expr));
  }

  /** A module used as a value is its `module.exports`; exports that are a router or function are that. */
  private normalise(val: Val): Val {
    if (val.k === 'module') {
      const exp = this.exportsOf(val.file);
      if (exp.k === 'members' && exp.base && exp.members.size === 0) return this.normalise(exp.base);
      return val;
    }
    if (val.k === 'members' && val.base && (val.base.k === 'router' || val.base.k === 'fn')) return val.base;
    return val;
  }

  private evaluateRaw(expr: Node): Val {
    if (Node.isParenthesizedExpression(expr) || Node.isAsExpression(expr) || Node.isNonNullExpression(expr) || Node.isAwaitExpression(expr))
      return this.evaluate(expr.getExpression());
    if (Node.isIdentifier(expr)) return this.evalIdentifier(expr);
    if (Node.isStringLiteral(expr) || Node.isNoSubstitutionTemplateLiteral(expr)) return { k: 'str', value: expr.getLiteralValue() };
    if (Node.isFunctionExpression(expr) || Node.isArrowFunction(expr)) return { k: 'fn', node: expr };
    if (Node.isObjectLiteralExpression(expr)) return { k: 'obj', node: expr };
    if (Node.isBinaryExpression(expr) && expr.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
      const l = this.evaluate(expr.getLeft());
      const r = this.evaluate(expr.getRight());
      if (l.k === 'str' && r.k === 'str') return { k: 'str', value: l.value + r.value };
      return { k: 'unknown' };
    }
    if (Node.isPropertyAccessExpression(expr)) {
      const left = expr.getExpression();
      if (left.getText() === 'module' && expr.getName() === 'exports') return this.exportsOf(this.rel(expr));
      return this.member(this.wholeOrSelf(this.evaluate(left)), expr.getName());
    }
    if (Node.isElementAccessExpression(expr)) {
      const arg = expr.getArgumentExpression();
      if (arg && Node.isStringLiteral(arg)) return this.member(this.wholeOrSelf(this.evaluate(expr.getExpression())), arg.getLiteralValue());
      return { k: 'unknown' };
    }
    if (Node.isNewExpression(expr)) {
      const callee = this.evaluate(expr.getExpression());
      if (callee.k === 'routerFn') return { k: 'router', r: this.router(expr, false) };
      return { k: 'unknown' };
    }
    if (Node.isCallExpression(expr)) {
      const req = this.requireTarget(expr);
      if (req) return req;
      const calleeExpr = expr.getExpression();
      if (Node.isPropertyAccessExpression(calleeExpr) && calleeExpr.getName() === 'route') {
        const recv = this.evaluate(calleeExpr.getExpression());
        if (recv.k === 'router') return { k: 'chain', r: recv.r, path: expr.getArguments()[0], node: expr };
      }
      if (Node.isPropertyAccessExpression(calleeExpr) && (calleeExpr.getName() in ROUTE_METHODS || calleeExpr.getName() === 'use')) {
        const recv = this.evaluate(calleeExpr.getExpression());
        if (recv.k === 'chain' || recv.k === 'router') return recv; // chained registration returns the router/route
      }
      const callee = this.wholeOrSelf(this.evaluate(calleeExpr));
      if (callee.k === 'express') return { k: 'router', r: this.router(expr, true) };
      if (callee.k === 'routerFn') return { k: 'router', r: this.router(expr, false) };
      if (callee.k === 'fn') return this.returnOf(callee.node);
      // a wrapper such as asyncHandler(async (req, res) => ...): the inline function is the handler
      if (callee.k === 'unknown' || callee.k === 'ext') {
        const inline = expr.getArguments().filter((a) => Node.isFunctionExpression(a) || Node.isArrowFunction(a));
        if (inline.length === 1) return { k: 'fn', node: inline[0]! };
      }
      return { k: 'unknown' };
    }
    return { k: 'unknown' };
  }

  private wholeOrSelf(val: Val): Val {
    // `require('./x').y`: look in the exports; `require('./x')(deps)`: call module.exports
    return val.k === 'module' ? this.wholeModule(val) : val;
  }

  /** What a project function returns, when that is a router or a function (factories). */
  private returnOf(fn: Node): Val {
    if (this.evaluating.has(fn)) return { k: 'unknown' };
    this.evaluating.add(fn);
    try {
      if (Node.isArrowFunction(fn)) {
        const body = fn.getBody();
        if (!Node.isBlock(body)) return this.evaluate(body);
      }
      for (const ret of fn.getDescendantsOfKind(SyntaxKind.ReturnStatement)) {
        if (enclosingFunction(ret) !== fn) continue;
        const e = ret.getExpression();
        if (!e) continue;
        const v = this.evaluate(e);
        if (v.k === 'router' || v.k === 'fn') return v;
      }
      return { k: 'unknown' };
    } finally {
      this.evaluating.delete(fn);
    }
  }

  private router(node: Node, app: boolean): RouterInfo {
    let r = this.routers.get(node);
    if (!r) {
      r = { node, app, entries: [] };
      this.routers.set(node, r);
    }
    return r;
  }

  // ---- routes ----------------------------------------------------------------------------------

  private collectEntries(): void {
    // only calls of a method named like a route method or `use` can register anything: find them
    // on the compiler nodes and wrap just those
    const calls: Node[] = [];
    for (const sf of this.files.values()) {
      const sfc = sf.compilerNode;
      const visit = (node: ts.Node): undefined => {
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
          const name = node.expression.name.getText(sfc);
          if (name in ROUTE_METHODS || name === 'use' || UNSUPPORTED_ROUTE_METHODS.has(name)) calls.push(wrap(sf, node));
        }
        ts.forEachChild(node, visit);
        return undefined;
      };
      ts.forEachChild(sfc, visit);
    }
    for (const call of calls) {
      if (!Node.isCallExpression(call)) continue;
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) continue;
      const name = callee.getName();
      const args = call.getArguments();
      if (UNSUPPORTED_ROUTE_METHODS.has(name)) {
        // Express routes these methods, but a spec cannot describe them: said, never dropped in silence.
        if (args.length >= 2 && this.evaluate(callee.getExpression()).k === 'router') this.warn(call, unsupportedMethodWarning(name));
        continue;
      }
      if (!(name in ROUTE_METHODS) && name !== 'use') continue;
      const recv = this.evaluate(callee.getExpression());
      if (recv.k === 'chain') {
        if (name === 'use') continue;
        recv.r.entries.push({ kind: 'route', call, method: ROUTE_METHODS[name]!, pathNode: recv.path, args: this.flatten(args) });
      } else if (recv.k === 'router') {
        if (name === 'use') {
          const first = args[0];
          const hasPath = first !== undefined && this.looksLikePath(first);
          recv.r.entries.push({ kind: 'use', call, pathNode: hasPath ? first : undefined, args: this.flatten(hasPath ? args.slice(1) : args) });
        } else {
          if (args.length < 2) continue; // app.get('setting') reads a setting
          recv.r.entries.push({ kind: 'route', call, method: ROUTE_METHODS[name]!, pathNode: args[0], args: this.flatten(args.slice(1)) });
        }
      } else if (name !== 'use' && args.length >= 2 && isPathLiteral(args[0]!) && args.slice(1).some((a) => this.isFunctionLike(a)) && recv.k === 'unknown') {
        this.warn(
          call,
          `cannot tell which app or router ${callee.getExpression().getText()} is (a parameter or a computed value?); route ${name.toUpperCase()} ${args[0]!.getText()} left out`,
        );
      }
    }
    const order = (e: Entry) => e.call.getStart();
    for (const r of this.routers.values()) {
      r.entries.sort((a, b) => cmp(this.rel(a.call), this.rel(b.call)) || order(a) - order(b) || a.call.getEnd() - b.call.getEnd());
    }
  }

  private isFunctionLike(node: Node): boolean {
    const v = this.evaluate(node);
    return v.k === 'fn' || Node.isFunctionExpression(node) || Node.isArrowFunction(node);
  }

  /** Is the first argument of `use` a path (rather than middleware or a router)? */
  private looksLikePath(node: Node): boolean {
    if (isPathLiteral(node) || Node.isRegularExpressionLiteral(node) || Node.isTemplateExpression(node)) return true;
    if (Node.isArrayLiteralExpression(node)) return node.getElements().some((e) => isPathLiteral(e) || Node.isRegularExpressionLiteral(e));
    const v = this.evaluate(node);
    if (v.k === 'str') return true;
    if (v.k === 'fn' || v.k === 'router' || Node.isCallExpression(node) || Node.isFunctionExpression(node) || Node.isArrowFunction(node)) return false;
    // an identifier we cannot evaluate: a path if it is named like one
    return /path|prefix|base|url|route|mount/i.test(node.getText()) && !Node.isArrayLiteralExpression(node);
  }

  private flatten(args: Node[]): Node[] {
    const out: Node[] = [];
    for (const a of args) {
      if (Node.isArrayLiteralExpression(a)) out.push(...this.flatten(a.getElements()));
      else if (Node.isSpreadElement(a)) out.push(a.getExpression());
      else out.push(a);
    }
    return out;
  }

  /** The literal path(s) a path argument stands for, or undefined (after a warning) when it cannot. */
  private paths(node: Node | undefined, call: Node): string[] | undefined {
    if (!node) return ['/'];
    const v = this.evaluate(node);
    const raws =
      v.k === 'str'
        ? [v.value]
        : loopPaths(node, (n) => {
            const value = this.evaluate(n);
            return value.k === 'str' ? value.value : undefined;
          });
    if (!raws) {
      this.warn(node, `cannot resolve route path statically: ${truncate(node.getText())}`);
      return undefined;
    }
    const out: string[] = [];
    for (const raw of raws) {
      const paths = this.pathVariants(raw, node, call);
      if (!paths) return undefined;
      out.push(...paths);
    }
    return out;
  }

  /** One route path string as templates: optional parameters give two, a catch-all keeps spanning segments. */
  private pathVariants(raw: string, node: Node, call: Node): string[] | undefined {
    const { rest, catchAlls } = withoutCatchAll(raw);
    if (catchAlls > 1 || /[*()+[\]]/.test(rest.replace(/:\w+\??/g, ''))) {
      this.warn(node, `cannot resolve route path statically: pattern ${JSON.stringify(raw)}`);
      return undefined;
    }
    const segments = raw.split('/').filter((s) => s !== '');
    let variants: string[][] = [[]];
    for (const seg of segments) {
      const catchAll = catchAllSegment(seg);
      if (catchAll) {
        variants = variants.map((v2) => [...v2, catchAll]);
        continue;
      }
      const optional = /^:(\w+)\?$/.exec(seg);
      if (optional) {
        this.warn(call, `optional path parameter ${seg}: listed as two routes, without and with {${optional[1]}}`);
        variants = [...variants, ...variants.map((v2) => [...v2, `{${optional[1]}}`])];
        continue;
      }
      const converted = seg.replace(/:(\w+)/g, '{$1}');
      variants = variants.map((v2) => [...v2, converted]);
    }
    return variants.map((v2) => `/${v2.join('/')}`);
  }

  private walkApps(): RouteFound[] {
    const mounted = new Set<RouterInfo>();
    for (const r of this.routers.values()) {
      for (const e of r.entries) {
        if (e.kind !== 'use') continue;
        for (const a of e.args) {
          const v = this.evaluate(a);
          if (v.k === 'router') mounted.add(v.r);
        }
      }
    }
    const apps = [...this.routers.values()].filter((r) => r.app);
    const roots = apps.length > 0 ? apps : [...this.routers.values()].filter((r) => !mounted.has(r));
    for (const r of this.routers.values()) {
      if (!r.app && !mounted.has(r) && apps.length > 0 && r.entries.length > 0) {
        this.warn(r.node, 'router is not mounted on any app found statically; its routes are left out');
      }
    }
    const routes: RouteFound[] = [];
    for (const root of roots.sort((a, b) => cmp(this.rel(a.node), this.rel(b.node)) || a.node.getStart() - b.node.getStart())) {
      this.walk(root, '', [], [], routes, new Set());
    }
    return routes;
  }

  private walk(r: RouterInfo, prefix: string, inherited: ChainItem[], errorHandlers: ChainItem[], out: RouteFound[], visiting: Set<RouterInfo>): void {
    if (visiting.has(r)) {
      this.warn(r.node, 'router mounts itself (directly or through others); not followed again');
      return;
    }
    visiting.add(r);
    const level: ChainItem['level'] = r.app ? 'app' : 'router';
    const chain = [...inherited];
    // error handlers (four parameters) catch what any route of this router throws, wherever they are
    const handlers = [...errorHandlers];
    for (const e of r.entries) {
      if (e.kind !== 'use') continue;
      const scope = this.usePrefix(e, prefix, false);
      if (scope === undefined) continue;
      for (const a of e.args) {
        const v = this.evaluate(a);
        if (v.k === 'fn' && (v.node as FnNode).getParameters().length === 4) handlers.push({ expr: a, fn: v, level, scope });
      }
    }
    for (const e of r.entries) {
      if (e.kind === 'use') {
        const scope = this.usePrefix(e, prefix, true);
        if (scope === undefined) continue;
        for (const a of e.args) {
          const v = this.evaluate(a);
          if (v.k === 'router') {
            this.walk(v.r, scope === '/' ? '' : scope, [...chain], handlers, out, visiting);
          } else if (v.k === 'fn' && (v.node as FnNode).getParameters().length === 4) {
            continue;
          } else {
            chain.push({ expr: a, fn: v, level, scope });
          }
        }
        continue;
      }
      const paths = this.paths(e.pathNode, e.call);
      if (!paths) continue;
      const handlerExpr = e.args[e.args.length - 1];
      if (!handlerExpr) {
        this.warn(e.call, 'route without a handler');
        continue;
      }
      const routeMw: ChainItem[] = e.args.slice(0, -1).map((a) => ({ expr: a, fn: this.evaluate(a), level: 'handler' as const, scope: '' }));
      for (const p of paths) {
        const full = joinPaths(prefix, p);
        out.push({
          method: e.method!,
          path: full,
          call: e.call,
          pathNode: e.pathNode,
          handlerExpr,
          chain: [...chain.filter((c) => underPrefix(full, c.scope)), ...routeMw],
          errorHandlers: handlers.filter((h) => underPrefix(full, h.scope)),
        });
      }
    }
    visiting.delete(r);
  }

  private usePrefix(e: Entry, prefix: string, warn: boolean): string | undefined {
    if (!e.pathNode) return prefix === '' ? '/' : prefix;
    const v = this.evaluate(e.pathNode);
    if (v.k !== 'str' || /[*()+?[\]]/.test(v.value)) {
      if (warn) this.warn(e.pathNode, `cannot resolve route path statically: mount prefix ${truncate(e.pathNode.getText())}; what it mounts is left out`);
      return undefined;
    }
    return joinPaths(prefix, v.value.replace(/:(\w+)/g, '{$1}'));
  }

  // ---- facts -----------------------------------------------------------------------------------

  private describe(route: RouteFound): EndpointFacts {
    const handlerVal = this.evaluate(route.handlerExpr);
    const facts: Facts = { params: new Map(), outcomes: [], sideEffects: [], volatile: [], helpers: new Map() };
    const guards: Guard[] = [];
    for (const item of route.chain) {
      const guard = this.classify(item);
      if (guard) guards.push(guard);
      if (item.fn.k === 'fn') this.scanFunction(item.fn.node, facts, 'middleware');
    }
    let handlerSpan: HashedSpan;
    if (handlerVal.k === 'fn') {
      const node = handlerVal.node;
      handlerSpan = this.span(node);
      this.scanFunction(node, facts, 'handler');
    } else {
      this.warn(route.handlerExpr, `cannot resolve the handler ${truncate(route.handlerExpr.getText())} to a function in the project; its facts are left out`);
      const node = route.handlerExpr;
      handlerSpan = this.span(node);
    }
    for (const h of route.errorHandlers) if (h.fn.k === 'fn') this.scanFunction(h.fn.node, facts, 'error');

    // path parameters come from the template
    const params: Param[] = [];
    for (const m of route.path.matchAll(/\{(\w+)\*?\}/g)) {
      const name = m[1]!;
      const found = facts.params.get(`path ${name}`);
      params.push({ name, in: 'path', type: found?.type ?? 'string', required: true, evidence: this.at(route.pathNode ?? route.call) });
    }
    for (const p of facts.params.values()) {
      // path params come from the template only (an optional one is absent from one variant)
      if (p.in === 'path') continue;
      params.push(this.finishParam(p, facts));
    }

    const helpers: HashedSpan[] = [];
    for (const [node, depth] of facts.helpers) {
      if (depth > HASH_DEPTH) continue;
      helpers.push(this.span(node));
    }

    return {
      method: route.method,
      path: route.path,
      framework: 'express',
      handler: `${handlerSpan.file}:${handlerSpan.start}-${handlerSpan.end}`,
      params,
      guards,
      outcomes: facts.outcomes.map(({ ifNode: _ifNode, ...o }) => o),
      side_effects: facts.sideEffects,
      volatile: facts.volatile,
      source_hash: endpointSourceHash(handlerSpan, helpers),
    };
  }

  private classify(item: ChainItem): Guard | undefined {
    const expr = item.expr;
    let name = '';
    if (Node.isIdentifier(expr) || Node.isPropertyAccessExpression(expr)) name = expr.getText();
    else if (Node.isCallExpression(expr)) name = expr.getExpression().getText();
    else if (Node.isFunctionExpression(expr)) name = expr.getName() ?? '';
    if (item.fn.k === 'fn') {
      const fn = item.fn.node;
      if (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn)) name += ` ${fn.getName() ?? ''}`;
    }
    if (!name.trim()) return undefined;
    const match = GUARD_PATTERNS.find((g) => g.pattern.test(name));
    if (!match) return undefined;
    const text = Node.isFunctionExpression(expr)
      ? (expr.getName() ?? 'inline middleware')
      : Node.isCallExpression(expr) && expr.getText().length > 60
        ? `${expr.getExpression().getText()}(...)`
        : expr.getText().replace(/\s+/g, ' ');
    const required = match.kind === 'auth' ? middlewareAuthRequired(name, item.fn.k === 'fn' ? item.fn.node : undefined) : undefined;
    return { kind: match.kind, text, level: item.level, ...(required !== undefined && { required }), evidence: this.at(expr) };
  }

  private finishParam(p: Param & { accesses: Set<string>; fnNode: Node }, facts: Facts): Param {
    const out: Param = { name: p.name, in: p.in };
    const accesses = [...p.accesses];
    const mentions = (text: string) => accesses.some((a) => new RegExp(`(^|[^\\w.$])${escapeRegex(a)}(?![\\w$])`).test(text));
    // type hints where the code checks them
    const type = p.type ?? this.typeHint(p.fnNode, accesses);
    if (type) out.type = type;
    const validations: string[] = [];
    let required: boolean | undefined;
    for (const o of facts.outcomes) {
      if (o.status !== 400 || !o.ifNode || !Node.isIfStatement(o.ifNode)) continue;
      const cond = o.ifNode.getExpression().getText().replace(/\s+/g, ' ');
      if (!mentions(cond)) continue;
      if (!validations.includes(cond)) validations.push(cond);
      for (const a of accesses) {
        const e = escapeRegex(a);
        if (new RegExp(`${e}\\s*!==?\\s*undefined`).test(cond)) required = required ?? false;
        else if (new RegExp(`(^|[^!=])!\\s*${e}(?![\\w$.(\\[])|${e}\\s*===?\\s*(undefined|null)`).test(cond)) required = true;
      }
    }
    if (required !== undefined) out.required = required;
    if (validations.length > 0) out.validations = validations;
    if (p.evidence) out.evidence = p.evidence;
    return out;
  }

  private typeHint(fn: Node, accesses: string[]): string | undefined {
    if (accesses.length === 0) return undefined;
    const set = new Set(accesses);
    let nodes = this.hintNodesCache.get(fn);
    if (!nodes) {
      nodes = descendantsOfKinds(fn, HINT_KINDS, false);
      this.hintNodesCache.set(fn, nodes);
    }
    for (const node of nodes) {
      if (Node.isTypeOfExpression(node) && set.has(node.getExpression().getText())) {
        const parent = node.getParent();
        if (parent && Node.isBinaryExpression(parent)) {
          const other = parent.getLeft() === node ? parent.getRight() : parent.getLeft();
          if (Node.isStringLiteral(other) && other.getLiteralValue() !== 'undefined') return other.getLiteralValue();
        }
      }
      if (Node.isCallExpression(node)) {
        const callee = node.getExpression().getText();
        const arg = node.getArguments()[0]?.getText();
        if (arg === undefined || !set.has(arg)) continue;
        if (callee === 'Number.isInteger' || callee === 'parseInt' || callee === 'Number.parseInt') return 'integer';
        if (callee === 'parseFloat' || callee === 'Number' || callee === 'Number.parseFloat') return 'number';
        if (callee === 'Array.isArray') return 'array';
      }
    }
    return undefined;
  }

  /** Read a route-chain function: the handler (everything), middleware and error handlers (outcomes only). */
  private scanFunction(fn: Node, facts: Facts, role: 'handler' | 'middleware' | 'error'): void {
    const params = (fn as FnNode).getParameters().map((p) => (Node.isParameterDeclaration(p) ? p.getName() : ''));
    const reqIndex = role === 'error' ? 1 : 0;
    const env: Env = {
      fn,
      depth: 0,
      rootLine: undefined,
      reqNames: new Set([params[reqIndex]].filter((n): n is string => !!n)),
      resNames: new Set([params[reqIndex + 1]].filter((n): n is string => !!n)),
      nextNames: new Set([params[reqIndex + 2]].filter((n): n is string => !!n)),
      bindings: new Map(),
      when: undefined,
      whenIf: undefined,
      fieldHint: undefined,
      returnFlows: true,
      stack: [fn],
    };
    const sink: Facts = role === 'handler' ? facts : { params: new Map(), outcomes: facts.outcomes, sideEffects: [], volatile: [], helpers: new Map() };
    this.scan(env, sink);
  }

  private scan(env: Env, facts: Facts): void {
    const body = (env.fn as unknown as { getBody(): Node | undefined }).getBody?.();
    if (!body) return;
    let nodes = this.scanNodesCache.get(body);
    if (!nodes) {
      nodes = descendantsOfKinds(body, SCAN_KINDS, true);
      this.scanNodesCache.set(body, nodes);
    }
    const aliases = this.requestAliases(env, nodes);
    for (const node of nodes) {
      if (env.depth === 0 || env.reqNames.size > 0) this.param(node, env, aliases, facts);
      if (Node.isNewExpression(node)) this.volatileNew(node, env, facts);
      if (Node.isThrowStatement(node)) {
        // Express's error handler answers a thrown error with its status (http-errors, a project class with one).
        const status = errorStatus(node.getExpression(), (n) => this.classOf(n));
        if (status !== undefined) this.addOutcome(status, node, env, facts, undefined);
        continue;
      }
      if (!Node.isCallExpression(node)) continue;
      this.outcome(node, env, facts);
      const followed = this.sideEffect(node, env, facts);
      this.volatileCall(node, env, facts);
      if (followed) this.follow(node, env, facts);
    }
  }

  private evidence(node: Node, env: Env): string {
    return env.rootLine !== undefined ? `${this.rel(env.stack[0]!)}:${env.rootLine}` : this.at(node);
  }

  /**
   * Whether a helper's code is out of reach for this call: an `if` around it whose condition the
   * call's own arguments decide the other way (`reply(res, false)` never takes `if (ok)`).
   */
  private unreachable(node: Node, env: Env): boolean {
    if (env.depth === 0) return false;
    for (let cur: Node | undefined = node; cur && cur !== env.fn; cur = cur.getParent()) {
      const parent = cur.getParent();
      if (parent && Node.isBlock(parent)) {
        // An earlier `if (ok) return ...;` that the call decides is taken ends the way here.
        for (let prev = cur.getPreviousSibling(); prev; prev = prev.getPreviousSibling()) {
          if (!Node.isIfStatement(prev) || prev.getElseStatement()) continue;
          const then = prev.getThenStatement();
          const last = Node.isBlock(then) ? then.getStatements().at(-1) : then;
          if (last && (Node.isReturnStatement(last) || Node.isThrowStatement(last)) && this.decided(prev.getExpression(), env) === true) return true;
        }
      }
      if (!parent || !Node.isIfStatement(parent) || cur === parent.getExpression()) continue;
      const value = this.decided(parent.getExpression(), env);
      if (value !== undefined && value !== (cur === parent.getThenStatement())) return true;
    }
    return false;
  }

  /** A condition over a helper's parameters that the call's literal arguments decide: `ok`, `!ok`, `kind === 'json'`. */
  private decided(cond: Node, env: Env): boolean | undefined {
    if (Node.isParenthesizedExpression(cond)) return this.decided(cond.getExpression(), env);
    if (Node.isPrefixUnaryExpression(cond) && cond.getOperatorToken() === SyntaxKind.ExclamationToken) {
      const inner = this.decided(cond.getOperand(), env);
      return inner === undefined ? undefined : !inner;
    }
    const bound = (n: Node): { value: unknown } | undefined => {
      if (Node.isIdentifier(n)) {
        const b = env.bindings.get(n.getText());
        if (!b) return undefined;
        const v = this.literal(b.expr, b.env);
        return v === undefined || (typeof v === 'string' && v.startsWith('<')) ? undefined : { value: v };
      }
      const v = this.literal(n, env);
      return v === undefined || typeof v === 'object' ? undefined : { value: v };
    };
    if (Node.isIdentifier(cond)) {
      const b = bound(cond);
      return b ? Boolean(b.value) : undefined;
    }
    if (Node.isBinaryExpression(cond)) {
      const op = cond.getOperatorToken().getKind();
      const equal = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
      const unequal = op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken;
      if (!equal && !unequal) return undefined;
      const l = bound(cond.getLeft());
      const r = bound(cond.getRight());
      if (!l || !r || !(Node.isIdentifier(cond.getLeft()) || Node.isIdentifier(cond.getRight()))) return undefined;
      return (l.value === r.value) === equal;
    }
    return undefined;
  }

  /** The nearest `if` around a node within the function being read (one the call decides is skipped), else the caller's. */
  private when(node: Node, env: Env): { text: string | undefined; ifNode: Node | undefined } {
    for (let cur: Node | undefined = node; cur && cur !== env.fn; cur = cur.getParent()) {
      const parent = cur.getParent();
      if (parent && Node.isIfStatement(parent) && cur !== parent.getExpression()) {
        if (env.depth > 0 && this.decided(parent.getExpression(), env) !== undefined) continue;
        const cond = parent.getExpression().getText().replace(/\s+/g, ' ');
        const text = cur === parent.getThenStatement() ? cond : `!(${cond})`;
        return { text, ifNode: env.depth === 0 ? parent : env.whenIf };
      }
    }
    return { text: env.when, ifNode: env.whenIf };
  }

  // ---- outcomes

  private outcome(call: Node, env: Env, facts: Facts): void {
    if (!Node.isCallExpression(call)) return;
    const callee = call.getExpression();
    // next(createError(422)): handed to the error handler, which answers with the error's status.
    if (Node.isIdentifier(callee) && env.nextNames?.has(callee.getText()) && call.getArguments()[0]) {
      const status = errorStatus(call.getArguments()[0]!, (n) => this.classOf(n));
      if (status !== undefined) this.addOutcome(status, call, env, facts, undefined);
      return;
    }
    if (!Node.isPropertyAccessExpression(callee) || !SEND_METHODS.has(callee.getName())) return;
    let status: Node | 'ok' | undefined;
    let recv: Node = callee.getExpression();
    while (Node.isCallExpression(recv)) {
      const inner = recv.getExpression();
      if (!Node.isPropertyAccessExpression(inner)) break;
      if (inner.getName() === 'status' && status === undefined) status = recv.getArguments()[0];
      recv = inner.getExpression();
    }
    if (!Node.isIdentifier(recv) || !this.isRes(recv.getText(), env)) return;
    const method = callee.getName();
    const args = call.getArguments();
    let bodyNode: Node | undefined;
    if (method === 'sendStatus') status = args[0];
    else if (method === 'redirect') {
      status = args.length > 1 ? args[0] : undefined;
      if (status === undefined) return this.addOutcome(302, call, env, facts, undefined);
    } else if (method === 'json' || method === 'send' || method === 'jsonp') bodyNode = args[0];
    if (status === undefined) status = this.precedingStatus(call, recv.getText());
    let code = 200;
    if (status !== undefined && status !== 'ok') {
      const v = this.literal(status, env);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 599) {
        const shown = typeof v === 'string' && v.startsWith('<') ? `${status.getText()} = ${v.slice(1, -1)}` : status.getText();
        this.warn(status, `response status (${truncate(shown)}) is not a literal; that outcome is left out`);
        return;
      }
      code = v;
    }
    this.addOutcome(code, call, env, facts, bodyNode);
  }

  /** The project class an expression names, through requires and imports. */
  private classOf(expr: Node): Node | undefined {
    const v = this.evaluate(expr);
    return v.k === 'cls' ? v.node : undefined;
  }

  /** `res.status(N); ...; res.send(x)` in the same block. */
  private precedingStatus(call: Node, res: string): Node | undefined {
    const stmt = call.getFirstAncestor((a) => Node.isStatement(a) && Node.isBlock(a.getParent() ?? a));
    if (!stmt) return undefined;
    for (let prev = stmt.getPreviousSibling(); prev; prev = prev.getPreviousSibling()) {
      if (!Node.isExpressionStatement(prev)) continue;
      const e = prev.getExpression();
      if (Node.isCallExpression(e) && e.getExpression().getText() === `${res}.status`) return e.getArguments()[0];
    }
    return undefined;
  }

  private addOutcome(status: number, call: Node, env: Env, facts: Facts, bodyNode: Node | undefined): void {
    if (this.unreachable(call, env)) return;
    const { text, ifNode } = this.when(call, env);
    if (facts.outcomes.some((o) => o.status === status && o.when === text)) return;
    const outcome: Outcome & { ifNode?: Node } = { status };
    if (text !== undefined) outcome.when = text;
    if (bodyNode) {
      const body = this.literal(bodyNode, env);
      if (body !== undefined && typeof body !== 'number' && (typeof body !== 'string' || !body.startsWith('<'))) outcome.body = body;
    }
    outcome.evidence = this.evidence(call, env);
    if (ifNode) outcome.ifNode = ifNode;
    facts.outcomes.push(outcome);
  }

  private isRes(name: string, env: Env): boolean {
    return env.resNames.has(name) || (env.depth === 0 && env.resNames.size === 0 && /^(res|response)$/.test(name));
  }

  /**
   * A literal value for a response body or status: literals, object and array literals, string
   * concatenation (unknown parts as `<text>`), identifiers bound to the caller's arguments or to a
   * local constant. Undefined when nothing literal is there.
   */
  private literal(node: Node, env: Env, depth = 0): unknown {
    if (depth > 8) return undefined;
    if (Node.isParenthesizedExpression(node)) return this.literal(node.getExpression(), env, depth + 1);
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
    if (Node.isNumericLiteral(node)) return node.getLiteralValue();
    if (Node.isTemplateExpression(node)) return node.getText().slice(1, -1);
    if (node.getKind() === SyntaxKind.TrueKeyword) return true;
    if (node.getKind() === SyntaxKind.FalseKeyword) return false;
    if (node.getKind() === SyntaxKind.NullKeyword) return null;
    if (Node.isObjectLiteralExpression(node)) {
      const out: Record<string, unknown> = {};
      for (const prop of node.getProperties()) {
        if (Node.isPropertyAssignment(prop)) {
          const key = propName(prop.getNameNode());
          if (key === undefined) continue;
          const v = this.literal(prop.getInitializerOrThrow(), env, depth + 1);
          if (v === MISSING) continue;
          out[key] = v === undefined ? `<${truncate(prop.getInitializerOrThrow().getText())}>` : v;
        } else if (Node.isShorthandPropertyAssignment(prop)) {
          const v = this.literal(prop.getNameNode(), env, depth + 1);
          if (v === MISSING) continue;
          out[prop.getName()] = v === undefined ? `<${prop.getName()}>` : v;
        }
      }
      return out;
    }
    if (Node.isArrayLiteralExpression(node)) return node.getElements().map((e) => this.literal(e, env, depth + 1) ?? `<${truncate(e.getText())}>`);
    if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
      const l = this.literal(node.getLeft(), env, depth + 1);
      const r = this.literal(node.getRight(), env, depth + 1);
      if (typeof l === 'number' && typeof r === 'number') return l + r;
      if (typeof l !== 'string' && typeof r !== 'string') return undefined;
      const part = (v: unknown, n: Node) => (typeof v === 'string' || typeof v === 'number' ? String(v) : `<${truncate(n.getText())}>`);
      return part(l, node.getLeft()) + part(r, node.getRight());
    }
    if (Node.isIdentifier(node)) {
      const name = node.getText();
      if (name === 'undefined') return MISSING;
      if (env.bindings.has(name) && this.lookup(name, node) !== undefined && isParamOf(this.lookup(name, node)!, env.fn)) {
        const bound = env.bindings.get(name);
        if (!bound) return MISSING;
        return this.literal(bound.expr, bound.env, depth + 1) ?? `<${truncate(bound.expr.getText())}>`;
      }
      const decl = this.lookup(name, node);
      if (decl && Node.isVariableDeclaration(decl) && decl.getInitializer() && enclosingFunction(decl) === enclosingFunction(node)) {
        return this.literal(decl.getInitializerOrThrow(), env, depth + 1);
      }
      if (decl && Node.isVariableDeclaration(decl) && decl.getInitializer() && Node.isSourceFile(decl.getParent()?.getParent()?.getParent() ?? decl)) {
        const init = decl.getInitializerOrThrow();
        if (Node.isNumericLiteral(init) || Node.isStringLiteral(init)) return init.getLiteralValue();
      }
      return undefined;
    }
    return undefined;
  }

  // ---- following helpers

  private follow(call: Node, env: Env, facts: Facts): void {
    if (!Node.isCallExpression(call) || env.depth >= HELPER_DEPTH) return;
    const callee = this.evaluate(call.getExpression());
    if (callee.k !== 'fn') return;
    const fn = callee.node;
    if (env.stack.includes(fn) || isAncestor(env.fn, fn) || fn === env.fn) return;
    const depth = env.depth + 1;
    const known = facts.helpers.get(fn);
    if (known === undefined || depth < known) facts.helpers.set(fn, depth);
    const params = (fn as FnNode).getParameters();
    const args = call.getArguments();
    const bindings = new Map<string, { expr: Node; env: Env } | undefined>();
    const reqNames = new Set<string>();
    const resNames = new Set<string>();
    params.forEach((p, i) => {
      if (!Node.isParameterDeclaration(p)) return;
      const name = p.getName();
      const arg = args[i];
      bindings.set(name, arg ? { expr: arg, env } : undefined);
      if (arg && Node.isIdentifier(arg)) {
        if (env.reqNames.has(arg.getText())) reqNames.add(name);
        if (this.isRes(arg.getText(), env)) resNames.add(name);
      }
    });
    const { text, ifNode } = this.when(call, env);
    const child: Env = {
      fn,
      depth,
      rootLine: env.rootLine ?? this.line(call),
      reqNames,
      resNames,
      bindings,
      when: text,
      whenIf: ifNode,
      fieldHint: assignedName(call) ?? (this.returned(call, env) ? env.fieldHint : undefined),
      returnFlows: env.depth === 0 || (this.returned(call, env) && env.returnFlows),
      stack: [...env.stack, fn],
    };
    this.scan(child, facts);
  }

  // ---- side effects

  /** Records a side effect of a call; returns whether the callee should still be followed. */
  private sideEffect(call: Node, env: Env, facts: Facts): boolean {
    if (!Node.isCallExpression(call)) return true;
    const callee = call.getExpression();
    const args = call.getArguments();
    const add = (kind: SideEffect['kind'], target: string) => {
      if (facts.sideEffects.some((s) => s.kind === kind && s.target === target)) return;
      facts.sideEffects.push({ kind, target, evidence: this.evidence(call, env) });
    };
    const firstString = () => {
      for (const a of args) {
        const v = this.literal(a, env);
        if (typeof v === 'string' && !v.startsWith('<')) return v;
      }
      return undefined;
    };
    const method = Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
    const recv = Node.isPropertyAccessExpression(callee) ? callee.getExpression() : undefined;

    // SQL in a string literal
    if (method && SQL_METHODS.has(method) && args[0]) {
      const sql = this.sqlText(args[0], env);
      if (sql) {
        const effect = sqlEffect(sql);
        if (effect) add(effect.kind, effect.table);
        return true;
      }
    }
    // HTTP calls
    const calleeVal = this.evaluate(callee);
    const rootName = recv ? rootIdentifier(recv) : Node.isIdentifier(callee) ? callee.getText() : undefined;
    const rootVal = rootName ? this.evaluate(recv && Node.isIdentifier(recv) ? recv : callee) : undefined;
    const isHttpModule = (v: Val | undefined) => v?.k === 'ext' && HTTP_MODULES.test(v.module);
    if (
      (Node.isIdentifier(callee) &&
        (HTTP_GLOBALS.has(callee.getText())
          ? this.lookup(callee.getText(), callee) === undefined || isHttpModule(calleeVal)
          : isHttpModule(calleeVal) && calleeVal.k === 'ext' && !calleeVal.member)) ||
      (recv && Node.isIdentifier(recv) && isHttpModule(rootVal) && method && /^(get|post|put|patch|delete|request|head)$/.test(method))
    ) {
      const url = args[0] ? (this.literal(args[0], env) ?? args[0].getText()) : '';
      add('http_call', `${callee.getText()} ${typeof url === 'string' ? url : JSON.stringify(url)}`.trim());
      return false;
    }
    // cache
    if (method && recv && CACHE_RECEIVER.test(recv.getText()) && CACHE_METHODS.has(method) && !this.isReqExpr(recv, env)) {
      add('cache', `${recv.getText()}.${method}${firstString() ? ` ${firstString()}` : ''}`);
      return true;
    }
    // jobs and mail: a module-level binding or project function whose name says so
    const topLevel = (id: Node) => {
      const decl = this.lookup(id.getText(), id);
      return decl !== undefined && (decl.getSourceFile() === id.getSourceFile() ? enclosingFunction(decl) === undefined : false);
    };
    let jobName: string | undefined;
    if (recv && method && Node.isIdentifier(recv) && topLevel(recv) && (JOB_RECEIVER.test(recv.getText()) || JOB_METHOD.test(method)))
      jobName = `${recv.getText()}.${method}`;
    else if (Node.isIdentifier(callee) && topLevel(callee) && JOB_FUNCTION.test(callee.getText())) jobName = callee.getText();
    if (jobName) {
      const topic = firstString();
      const mail = MAIL.test(jobName) || (topic !== undefined && MAIL.test(topic));
      add(mail ? 'email' : 'job', topic ? `${jobName} ${topic}` : jobName);
      return true;
    }
    // ORM-style models
    if (method && recv && Node.isIdentifier(recv) && !BUILTIN_OBJECTS.has(recv.getText()) && calleeVal.k !== 'fn') {
      const model = recv.getText();
      if (/^[A-Z]/.test(model) && ORM_WRITES.has(method)) add('db_write', model);
      else if (/^[A-Z]/.test(model) && ORM_READS.has(method)) add('db_read', model);
      else if ((method === 'save' || method === 'destroy') && args.length === 0 && !env.resNames.has(model) && !env.reqNames.has(model)) add('db_write', model);
    }
    return true;
  }

  private isReqExpr(node: Node, env: Env): boolean {
    const root = rootIdentifier(node);
    return root !== undefined && (env.reqNames.has(root) || env.resNames.has(root));
  }

  private sqlText(node: Node, env: Env): string | undefined {
    const v = this.literal(node, env);
    if (typeof v === 'string') return v.replace(/<[^>]*>/g, ' ');
    if (Node.isBinaryExpression(node)) return this.sqlText(node.getLeft(), env);
    return undefined;
  }

  // ---- volatile

  private volatileCall(call: Node, env: Env, facts: Facts): void {
    if (!Node.isCallExpression(call)) return;
    const text = call.getExpression().getText().replace(/\s+/g, '');
    let reason: string | undefined;
    if (text === 'Date.now') reason = 'the current time (Date.now())';
    else if (text === 'Math.random') reason = 'a random number (Math.random())';
    else if (/(^|\.)randomBytes$/.test(text)) reason = `random bytes (${text})`;
    else if (/(^|\.)randomUUID$/.test(text)) reason = `a random UUID (${text})`;
    else if (/^(uuid|uuidv4|uuidV4|v4|nanoid|ulid|cuid)$|^uuid\.v4$/.test(text)) reason = `a random id (${text}())`;
    if (reason) this.addVolatile(call, reason, env, facts);
  }

  private volatileNew(node: Node, env: Env, facts: Facts): void {
    if (!Node.isNewExpression(node)) return;
    if (node.getExpression().getText() === 'Date' && node.getArguments().length === 0) this.addVolatile(node, 'the current time (new Date())', env, facts);
  }

  private addVolatile(node: Node, reason: string, env: Env, facts: Facts): void {
    // in a helper, only a value the helper hands back to the route matters
    if (env.depth > 0 && !(env.returnFlows && this.returned(node, env))) return;
    // A header's value (`res.set('ETag', randomUUID())`) is not the body: the body is not volatile for it.
    if (headerValue(node)) return;
    const name = assignedName(node) ?? (this.returned(node, env) ? env.fieldHint : undefined);
    let field = '$';
    if (name !== undefined) field = ID_LIKE.test(name) ? '$.id' : /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$.${name}` : '$';
    const fullReason =
      env.depth > 0
        ? `${reason}, via ${env.stack
            .slice(1)
            .map((f) => fnName(f))
            .join(' → ')}`
        : reason;
    if (facts.volatile.some((v) => v.field === field)) return;
    facts.volatile.push({ field, reason: fullReason, evidence: this.evidence(node, env) });
  }

  private returned(node: Node, env: Env): boolean {
    let ret: ts.Node | undefined = node.compilerNode.parent;
    while (ret && ret.kind !== SyntaxKind.ReturnStatement && !FUNCTION_KINDS.has(ret.kind)) ret = ret.parent;
    if (ret?.kind !== SyntaxKind.ReturnStatement) return false;
    let fn: ts.Node | undefined = ret.parent;
    while (fn && !FUNCTION_KINDS.has(fn.kind)) fn = fn.parent;
    return fn === env.fn.compilerNode;
  }

  // ---- params

  /** Local names bound to `req.body`, `req.query`, `req.params`, `req.headers` (`var body = req.body || {}`). */
  private requestAliases(env: Env, nodes: readonly Node[]): Map<string, Param['in']> {
    const aliases = new Map<string, Param['in']>();
    for (const decl of nodes) {
      // the body itself is never a declaration, so these are its declarations in tree order
      if (!Node.isVariableDeclaration(decl)) continue;
      const init = decl.getInitializer();
      if (!init) continue;
      let src: Node = init;
      if (Node.isBinaryExpression(src) && /^(\|\||\?\?)$/.test(src.getOperatorToken().getText())) src = src.getLeft();
      const where = this.requestPart(src, env);
      if (where && Node.isIdentifier(decl.getNameNode())) aliases.set(decl.getName(), where);
    }
    return aliases;
  }

  private requestPart(node: Node, env: Env): Param['in'] | undefined {
    if (!Node.isPropertyAccessExpression(node)) return undefined;
    const obj = node.getExpression();
    if (!Node.isIdentifier(obj) || !env.reqNames.has(obj.getText())) return undefined;
    return { params: 'path', query: 'query', body: 'body', headers: 'header', cookies: 'cookie', signedCookies: 'cookie' }[node.getName()] as
      Param['in'] | undefined;
  }

  private param(node: Node, env: Env, aliases: Map<string, Param['in']>, facts: Facts): void {
    const record = (name: string, where: Param['in'], access: string, at: Node) => {
      const n = where === 'header' ? name.toLowerCase() : name;
      const key = `${where} ${n}`;
      let p = facts.params.get(key);
      if (!p) {
        p = { name: where === 'header' ? name : n, in: where, evidence: this.at(at), accesses: new Set(), fnNode: env.fn };
        facts.params.set(key, p);
      }
      if (p.fnNode === env.fn) p.accesses.add(access);
    };
    if (Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) {
      const obj = node.getExpression();
      let where = this.requestPart(obj, env);
      if (!where && Node.isIdentifier(obj)) where = aliases.get(obj.getText());
      if (!where) return;
      let name: string | undefined;
      if (Node.isPropertyAccessExpression(node)) name = node.getName();
      else {
        const arg = node.getArgumentExpression();
        if (arg && (Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg))) name = arg.getLiteralValue();
      }
      if (name) record(name, where, node.getText(), node);
      return;
    }
    if (Node.isVariableDeclaration(node) && Node.isObjectBindingPattern(node.getNameNode())) {
      const init = node.getInitializer();
      if (!init) return;
      let src: Node = init;
      if (Node.isBinaryExpression(src) && /^(\|\||\?\?)$/.test(src.getOperatorToken().getText())) src = src.getLeft();
      const where = this.requestPart(src, env) ?? (Node.isIdentifier(src) ? aliases.get(src.getText()) : undefined);
      if (!where) return;
      for (const el of (node.getNameNode() as Node & { getElements(): Node[] }).getElements()) {
        if (!Node.isBindingElement(el) || el.getDotDotDotToken()) continue;
        const key = (el.getPropertyNameNode() ?? el.getNameNode()).getText();
        record(key, where, el.getNameNode().getText(), el);
      }
      return;
    }
    if (Node.isCallExpression(node)) {
      const callee = node.getExpression();
      if (!Node.isPropertyAccessExpression(callee) || !/^(get|header)$/.test(callee.getName())) return;
      const obj = callee.getExpression();
      if (!Node.isIdentifier(obj) || !env.reqNames.has(obj.getText())) return;
      const arg = node.getArguments()[0];
      if (arg && Node.isStringLiteral(arg)) record(arg.getLiteralValue(), 'header', node.getText(), node);
    }
  }
}

const MISSING = Symbol('missing');

const FUNCTION_KINDS: ReadonlySet<SyntaxKind> = new Set([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);
/** What `scan` looks at: the kinds `param`, `volatileNew` and the call handlers act on. */
const SCAN_KINDS: ReadonlySet<SyntaxKind> = new Set([
  SyntaxKind.ThrowStatement,
  SyntaxKind.PropertyAccessExpression,
  SyntaxKind.ElementAccessExpression,
  SyntaxKind.VariableDeclaration,
  SyntaxKind.CallExpression,
  SyntaxKind.NewExpression,
]);
const HINT_KINDS: ReadonlySet<SyntaxKind> = new Set([SyntaxKind.TypeOfExpression, SyntaxKind.CallExpression]);

/** The ts-morph node of a compiler node of the same file (ts-morph keeps one wrapper per node, so this is a lookup after the first time). */
function wrap(sf: SourceFile, node: ts.Node): Node {
  return (sf as unknown as { _getNodeFromCompilerNode(n: ts.Node): Node })._getNodeFromCompilerNode(node);
}

/**
 * The descendants of `root` of the given kinds (and `root` itself when asked and of one of them),
 * in the order `getDescendants()` lists them, walked on the compiler nodes and wrapping only those.
 */
function descendantsOfKinds(root: Node, kinds: ReadonlySet<SyntaxKind>, includeRoot: boolean): Node[] {
  const sf = root.getSourceFile();
  const found: ts.Node[] = [];
  if (includeRoot && kinds.has(root.getKind())) found.push(root.compilerNode);
  const visit = (node: ts.Node): undefined => {
    if (kinds.has(node.kind)) found.push(node);
    ts.forEachChild(node, visit);
    return undefined;
  };
  ts.forEachChild(root.compilerNode, visit);
  return found.map((n) => wrap(sf, n));
}

/** Is `ancestor` a (strict) ancestor of `node`? ts-morph keeps one wrapper per node, so compiler nodes compare alike. */
function isAncestor(ancestor: Node, node: Node): boolean {
  const target = ancestor.compilerNode;
  for (let cur = node.compilerNode.parent; cur; cur = cur.parent) if (cur === target) return true;
  return false;
}

function enclosingFunction(node: Node): Node | undefined {
  for (let cur = node.compilerNode.parent; cur; cur = cur.parent) if (FUNCTION_KINDS.has(cur.kind)) return wrap(node.getSourceFile(), cur);
  return undefined;
}

function isParamOf(decl: Node, fn: Node): boolean {
  return Node.isParameterDeclaration(decl) && decl.getParent() === fn;
}

function fnName(fn: Node): string {
  if (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn)) {
    const name = fn.getName();
    if (name) return name;
  }
  if (Node.isMethodDeclaration(fn)) return fn.getName();
  const parent = fn.getParent();
  if (parent && (Node.isVariableDeclaration(parent) || Node.isPropertyAssignment(parent))) return parent.getName();
  return 'anonymous function';
}

function rootIdentifier(node: Node): string | undefined {
  let cur = node;
  while (Node.isPropertyAccessExpression(cur) || Node.isElementAccessExpression(cur) || Node.isCallExpression(cur)) cur = cur.getExpression();
  return Node.isIdentifier(cur) ? cur.getText() : undefined;
}

function isPathLiteral(node: Node): boolean {
  return (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) && node.getLiteralValue().startsWith('/');
}

function joinPaths(prefix: string, p: string): string {
  const joined = `${prefix}/${p}`.replace(/\/+/g, '/');
  const trimmed = joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
  return trimmed === '' ? '/' : trimmed;
}

/** Is the route path at or below a middleware's prefix (segment-wise)? */
function underPrefix(full: string, scope: string): boolean {
  if (scope === '' || scope === '/') return true;
  return full === scope || full.startsWith(`${scope}/`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The status of an error handed to Express's error handler: http-errors (`createError(404, ...)`,
 * `createError.NotFound()`, `new createError.NotFound()`), or a project error class with a
 * literal `status`/`statusCode` (a property, `this.status = N`, or `super(message, N)` to a base
 * that stores it). Undefined when the error carries no status the code shows.
 */
function errorStatus(expr: Node, classOf: (n: Node) => Node | undefined, depth = 0): number | undefined {
  const e = Node.isParenthesizedExpression(expr) || Node.isAwaitExpression(expr) ? expr.getExpression() : expr;
  if (depth > 4 || !(Node.isCallExpression(e) || Node.isNewExpression(e))) return undefined;
  const callee = e.getExpression();
  const args = e.getArguments();
  const text = callee.getText();
  if (/^(createError|createHttpError|httpErrors|HttpError)$/.test(text)) {
    const first = args[0];
    return first && Node.isNumericLiteral(first) ? Number(first.getLiteralValue()) : undefined;
  }
  if (Node.isPropertyAccessExpression(callee) && /^(createError|createHttpError|httpErrors)$/.test(callee.getExpression().getText())) {
    const key = Object.keys(HTTP_ERROR_NAMES).find(
      (k) =>
        k.toLowerCase() ===
        callee
          .getName()
          .toLowerCase()
          .replace(/error$/, ''),
    );
    return key ? HTTP_ERROR_NAMES[key] : undefined;
  }
  const cls = classOf(callee);
  return cls ? classStatus(cls, args, depth) : undefined;
}

function classStatus(cls: Node, args: Node[], depth: number): number | undefined {
  if (!Node.isClassDeclaration(cls) || depth > 4) return undefined;
  for (const prop of cls.getProperties()) {
    const init = prop.getInitializer();
    if (/^(status|statusCode)$/.test(prop.getName()) && init && Node.isNumericLiteral(init)) return Number(init.getLiteralValue());
  }
  for (const ctor of cls.getConstructors()) {
    const params = ctor.getParameters().map((p) => p.getName());
    const valueOf = (n: Node): number | undefined => {
      if (Node.isNumericLiteral(n)) return Number(n.getLiteralValue());
      const i = Node.isIdentifier(n) ? params.indexOf(n.getText()) : -1;
      const given = i >= 0 ? args[i] : undefined;
      return given && Node.isNumericLiteral(given) ? Number(given.getLiteralValue()) : undefined;
    };
    for (const bin of ctor.getDescendantsOfKind(SyntaxKind.BinaryExpression)) {
      if (/^this\.(status|statusCode)$/.test(bin.getLeft().getText()) && bin.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
        const n = valueOf(bin.getRight());
        if (n !== undefined) return n;
      }
    }
    const base = cls.getBaseClass();
    for (const call of ctor.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      if (call.getExpression().getKind() !== SyntaxKind.SuperKeyword || !base) continue;
      const n = classStatus(base, call.getArguments(), depth + 1);
      if (n !== undefined) return n;
    }
  }
  const base = cls.getBaseClass();
  return base && cls.getConstructors().length === 0 ? classStatus(base, args, depth + 1) : undefined;
}
