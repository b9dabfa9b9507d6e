/**
 * What the Koa, Fastify and NestJS extractors share: a ts-morph program over an in-memory copy of
 * the project (with the type checker resolving identifiers across files, ES modules and CommonJS),
 * static values (strings, numbers), guard classification by name, path templates, and a fact
 * scanner that reads a handler and the project functions it calls (to HELPER_DEPTH) for params,
 * outcomes, side effects and volatile values.
 *
 * The framework-specific parts (which expressions are request params, which are responses) are a
 * `Dialect` each extractor supplies. Nothing here throws on odd code: what cannot be resolved is
 * left out, and the extractors warn where a route itself cannot be read.
 */
import path from 'node:path/posix';
import { Node, Project, SyntaxKind, ts, type ClassDeclaration, type SourceFile } from 'ts-morph';
import { authRequired as authRequirement } from '../auth-requirement.js';
export { UNSUPPORTED_ROUTE_METHODS, unsupportedMethodWarning } from '../methods.js';
import { endpointSourceHash, type HashedSpan } from '../hash.js';
import type { EndpointFacts, ExtractionWarning, ExtractorContext, Guard, Outcome, Param, SideEffect, SourceProject, Volatile } from '../types.js';

/** Calls to project functions are followed this deep for outcomes, side effects and volatile values. */
export const HELPER_DEPTH = 3;
/** Helpers to this depth are part of the source hash (depth 1 = called by the handler itself). */
export const HASH_DEPTH = 2;

/** Middleware, hooks and guards are classified by name, tried in order (as the Express extractor does). */
export const GUARD_PATTERNS: ReadonlyArray<{ kind: Guard['kind']; pattern: RegExp }> = [
  { kind: 'csrf', pattern: /csrf|xsrf/i },
  { kind: 'rate_limit', pattern: /rate.?limit|limiter|throttle|slowdown/i },
  {
    kind: 'authz',
    pattern: /authoriz|permission|requireRole|hasRole|checkRole|requireAdmin|isAdmin|requireScope|policy|\bcan[A-Z]|roles?guard|adminguard|\bacl\b|ability/i,
  },
  { kind: 'auth', pattern: /auth|apikey|api_key|token|jwt|session|login|passport|requireUser|ensureLoggedIn|bearer/i },
  { kind: 'validation', pattern: /validat|celebrate|joi|schema|bodyParser|koaBody|koa-body|body-?parser/i },
];

export function classifyName(name: string): Guard['kind'] | undefined {
  return GUARD_PATTERNS.find((g) => g.pattern.test(name))?.kind;
}

export const SOURCE_FILE = /\.(c|m)?(j|t)sx?$/;

/** Statuses by the helper names of http-errors / @fastify/sensible (`httpErrors.notFound()`, `reply.notFound()`). */
export const HTTP_ERROR_NAMES: Record<string, number> = {
  badRequest: 400,
  unauthorized: 401,
  paymentRequired: 402,
  forbidden: 403,
  notFound: 404,
  methodNotAllowed: 405,
  notAcceptable: 406,
  requestTimeout: 408,
  conflict: 409,
  gone: 410,
  preconditionFailed: 412,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  imateapot: 418,
  unprocessableEntity: 422,
  tooManyRequests: 429,
  internalServerError: 500,
  notImplemented: 501,
  badGateway: 502,
  serviceUnavailable: 503,
  gatewayTimeout: 504,
};

/** NestJS's built-in exceptions and their statuses. */
export const NEST_EXCEPTIONS: Record<string, number> = {
  BadRequestException: 400,
  UnauthorizedException: 401,
  ForbiddenException: 403,
  NotFoundException: 404,
  MethodNotAllowedException: 405,
  NotAcceptableException: 406,
  RequestTimeoutException: 408,
  ConflictException: 409,
  GoneException: 410,
  PreconditionFailedException: 412,
  PayloadTooLargeException: 413,
  UnsupportedMediaTypeException: 415,
  ImATeapotException: 418,
  UnprocessableEntityException: 422,
  InternalServerErrorException: 500,
  NotImplementedException: 501,
  BadGatewayException: 502,
  ServiceUnavailableException: 503,
  GatewayTimeoutException: 504,
  HttpVersionNotSupportedException: 505,
};

/** `HttpStatus.X` names. */
export const HTTP_STATUS: Record<string, number> = {
  CONTINUE: 100,
  OK: 200,
  CREATED: 201,
  ACCEPTED: 202,
  NO_CONTENT: 204,
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  NOT_MODIFIED: 304,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  GONE: 410,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  I_AM_A_TEAPOT: 418,
  UNPROCESSABLE_ENTITY: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
};

const SQL_METHODS = new Set(['prepare', 'query', 'exec', 'run', 'execute', 'raw', 'none', 'one', 'oneOrNone', 'many', 'any', '$queryRaw', '$executeRaw']);
const ORM_WRITES = new Set([
  'create',
  'createMany',
  'update',
  'updateMany',
  'destroy',
  'save',
  'insert',
  'upsert',
  'bulkCreate',
  'insertMany',
  'updateOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findByIdAndUpdate',
  'findByIdAndDelete',
  'remove',
  'delete',
  'softDelete',
  'increment',
  'decrement',
]);
const ORM_READS = new Set([
  'find',
  'findOne',
  'findOneBy',
  'findBy',
  'findAll',
  'findById',
  'findByPk',
  'findMany',
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findOneOrFail',
  'count',
  'findAndCount',
  'findAndCountAll',
  'aggregate',
  'exists',
]);
export const BUILTIN_OBJECTS = new Set([
  'Object',
  'Array',
  'Promise',
  'Buffer',
  'Math',
  'JSON',
  'Reflect',
  'Symbol',
  'Date',
  'Number',
  'String',
  'Error',
  'Map',
  'Set',
  'URL',
  'Intl',
  'Boolean',
  'RegExp',
]);
export const JOB_RECEIVER = /outbox|enqueue|queue|job|mail|email|notif/i;
export const JOB_FUNCTION =
  /^(send\w*(mail|notification|sms)|queue|enqueue|notify|schedule|deliver|dispatch|publish|mail|email|push(Job|Email|Mail))|outbox|enqueue|^(job|mail|email)$/i;
const JOB_METHOD = /^(send.*mail|enqueue|notify|queue|schedule|dispatch|publish)/i;
export const MAIL = /mail/i;
const HTTP_GLOBALS = new Set(['fetch', 'got', 'axios', 'superagent', 'needle', 'ky']);
const HTTP_RECEIVER = /^(axios|got|superagent|needle|ky|undici|http|https|httpService|httpClient|http_client)$/i;
const HTTP_METHODS_CALLED = /^(get|post|put|patch|delete|request|head|fetch)$/;
export const CACHE_RECEIVER = /cache|redis|memcache/i;
const CACHE_METHODS = new Set(['set', 'setex', 'setEx', 'del', 'hset', 'hSet', 'incr', 'expire', 'put', 'mset', 'delete', 'reset']);
const EVENT_RECEIVER = /emitter|events|eventBus|bus/i;
export const ID_LIKE = /^(id|uuid|guid|key|token)$|(Id|_id|Uuid|_uuid|Key|_key|Token)$/;

export type FnNode = Node & { getParameters(): Node[]; getBody(): Node | undefined };

export function isFunction(node: Node): boolean {
  return (
    Node.isFunctionDeclaration(node) ||
    Node.isFunctionExpression(node) ||
    Node.isArrowFunction(node) ||
    Node.isMethodDeclaration(node) ||
    Node.isConstructorDeclaration(node) ||
    Node.isGetAccessorDeclaration(node) ||
    Node.isSetAccessorDeclaration(node)
  );
}

export function enclosingFunction(node: Node): Node | undefined {
  return node.getFirstAncestor((a) => isFunction(a));
}

export function paramNames(fn: Node): string[] {
  return (fn as FnNode).getParameters().map((p) => (Node.isParameterDeclaration(p) && Node.isIdentifier(p.getNameNode()) ? p.getName() : ''));
}

export function unwrap(node: Node): Node {
  let cur = node;
  while (
    Node.isParenthesizedExpression(cur) ||
    Node.isAsExpression(cur) ||
    Node.isNonNullExpression(cur) ||
    Node.isAwaitExpression(cur) ||
    Node.isSatisfiesExpression(cur) ||
    Node.isTypeAssertion(cur)
  )
    cur = cur.getExpression();
  return cur;
}

export function propName(node: Node): string | undefined {
  if (Node.isIdentifier(node) || Node.isPrivateIdentifier(node)) return node.getText();
  if (Node.isStringLiteral(node) || Node.isNumericLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return String(node.getLiteralValue());
  return undefined;
}

export function rootIdentifier(node: Node): string | undefined {
  let cur = node;
  while (Node.isPropertyAccessExpression(cur) || Node.isElementAccessExpression(cur) || Node.isCallExpression(cur) || Node.isNonNullExpression(cur))
    cur = cur.getExpression();
  if (cur.getKind() === SyntaxKind.ThisKeyword) return 'this';
  return Node.isIdentifier(cur) ? cur.getText() : undefined;
}

export function truncate(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Joins path pieces into one `/a/b` path (no trailing slash, `/` for the root). */
export function joinPaths(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/**
 * A path-to-regexp segment that matches the rest of the path, as a catch-all template: `*` and
 * `(.*)` (Express 4, Koa, Fastify's `*`) are `{wildcard*}`, `:path(*)` and `:path(.*)` and
 * Express 5's `*path` are `{path*}`. Undefined for any other segment.
 */
export function catchAllSegment(segment: string): string | undefined {
  if (segment === '*' || segment === '(.*)') return '{wildcard*}';
  const named = /^(?::(\w+)\((?:\.)?\*\)|\*(\w+))$/.exec(segment);
  return named ? `{${named[1] ?? named[2]}*}` : undefined;
}

/** The path with its catch-all segments taken out (for the checks that refuse other patterns), and how many there were. */
export function withoutCatchAll(raw: string): { rest: string; catchAlls: number } {
  const segments = raw.split('/');
  const catchAlls = segments.filter((s) => catchAllSegment(s) !== undefined).length;
  return { rest: segments.filter((s) => catchAllSegment(s) === undefined).join('/'), catchAlls };
}

/**
 * A path-to-regexp route (`/users/:id`, `/files/:name(\\d+)`) as spec templates: optional
 * parameters give two variants; a segment matching the rest of the path is a catch-all
 * (`{path*}`); other wildcards and regular expressions give a reason instead.
 */
export function templatePaths(raw: string): { paths: string[]; optional: string[] } | { problem: string } {
  const { rest, catchAlls } = withoutCatchAll(raw);
  const withoutParams = rest.replace(/:\w+(\([^)]*\))?\??/g, '');
  if (catchAlls > 1 || /[*()+[\]]/.test(withoutParams) || /\?/.test(withoutParams)) return { problem: `pattern ${JSON.stringify(raw)}` };
  const segments = raw.split('/').filter((s) => s !== '');
  let variants: string[][] = [[]];
  const optional: string[] = [];
  for (const seg of segments) {
    const catchAll = catchAllSegment(seg);
    if (catchAll) {
      variants = variants.map((v) => [...v, catchAll]);
      continue;
    }
    const opt = /^:(\w+)(\([^)]*\))?\?$/.exec(seg);
    if (opt) {
      optional.push(seg);
      variants = [...variants, ...variants.map((v) => [...v, `{${opt[1]}}`])];
      continue;
    }
    const converted = seg.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
    variants = variants.map((v) => [...v, converted]);
  }
  return { paths: variants.map((v) => `/${v.join('/')}`), optional };
}

/** Does package.json name one of the dependencies, or does a source file import one? */
export function detectDependency(project: SourceProject, deps: readonly string[]): boolean {
  for (const file of project.files) {
    if (path.basename(file) !== 'package.json' || file.split('/').includes('node_modules')) continue;
    try {
      const manifest = JSON.parse(project.read(file)) as Record<string, unknown>;
      for (const key of ['dependencies', 'devDependencies', 'peerDependencies']) {
        const found = manifest[key];
        if (found && typeof found === 'object' && deps.some((d) => d in found)) return true;
      }
    } catch {
      // a broken manifest is not ours to report here
    }
  }
  const names = deps.map(escapeRegex).join('|');
  const imports = new RegExp(`require\\(\\s*['"](${names})['"]\\s*\\)|from\\s+['"](${names})['"]`);
  return project.files.some(
    (file) => SOURCE_FILE.test(file) && !file.endsWith('.d.ts') && !file.split('/').includes('node_modules') && imports.test(project.read(file)),
  );
}

/** The project's JS/TS files, parsed once, with the type checker resolving names across them. */
export class JsCodebase {
  readonly project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      allowJs: true,
      noLib: true,
      types: [],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      experimentalDecorators: true,
      noResolve: false,
    },
  });
  readonly files = new Map<string, SourceFile>();
  private readonly fileOf = new Map<SourceFile, string>();
  private readonly warned = new Set<string>();

  constructor(readonly context: ExtractorContext) {
    this.load();
  }

  private load(): void {
    const parsed: Array<[string, SourceFile]> = [];
    for (const file of this.context.project.files) {
      if (!SOURCE_FILE.test(file) || file.endsWith('.d.ts') || file.split('/').includes('node_modules')) continue;
      try {
        const sf = this.project.createSourceFile(`/${file}`, this.context.project.read(file), { overwrite: true });
        this.files.set(file, sf);
        this.fileOf.set(sf, file);
        parsed.push([file, sf]);
      } catch (error) {
        this.context.warn({ file, line: 1, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` });
        this.context.progress?.(file);
      }
    }
    for (const [file, sf] of parsed) {
      try {
        const first = this.project.getProgram().compilerObject.getSyntacticDiagnostics(sf.compilerNode)[0];
        if (first) {
          const line = first.start === undefined ? 1 : sf.getLineAndColumnAtPos(first.start).line;
          const message = typeof first.messageText === 'string' ? first.messageText : first.messageText.messageText;
          this.context.warn({ file, line, message: `does not parse (${message}); read what could be recovered` });
        }
      } catch (error) {
        this.context.warn({ file, line: 1, message: `could not be read: ${error instanceof Error ? error.message : String(error)}` });
      }
      this.context.progress?.(file);
    }
  }

  rel(node: Node): string {
    return this.fileOf.get(node.getSourceFile()) ?? node.getSourceFile().getFilePath().replace(/^\//, '');
  }

  at(node: Node): string {
    return `${this.rel(node)}:${node.getStartLineNumber()}`;
  }

  span(node: Node): HashedSpan {
    return { file: this.rel(node), start: node.getStartLineNumber(), end: node.getEndLineNumber(), text: node.getText() };
  }

  spanText(node: Node): string {
    const s = this.span(node);
    return `${s.file}:${s.start}-${s.end}`;
  }

  isProjectNode(node: Node): boolean {
    return this.fileOf.has(node.getSourceFile());
  }

  warn(node: Node, message: string): void {
    const warning: ExtractionWarning = { file: this.rel(node), line: node.getStartLineNumber(), message };
    const key = `${warning.file}\0${warning.line}\0${message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.context.warn(warning);
  }

  /** Every call expression of the project, file by file in source order. */
  calls(): Node[] {
    const out: Node[] = [];
    for (const sf of this.files.values()) out.push(...sf.getDescendantsOfKind(SyntaxKind.CallExpression));
    return out;
  }

  // ---- names and values

  /** The declarations a name (identifier, `a.b`, `this.x`) refers to, through imports and re-exports. */
  decls(expr: Node): Node[] {
    const e = unwrap(expr);
    const target = Node.isPropertyAccessExpression(e) ? e.getNameNode() : e;
    try {
      let sym = target.getSymbol();
      if (!sym) return [];
      if (sym.isAlias()) sym = sym.getAliasedSymbol() ?? sym;
      const decls = sym.getDeclarations().filter((d) => this.isProjectNode(d));
      if (decls.length > 0) return decls;
      // `const { g } = require('./g')` in a JS file: the checker knows the value's type
      const typeSym = Node.isIdentifier(target) ? target.getType().getSymbol() : undefined;
      return (typeSym?.getDeclarations() ?? []).filter((d) => this.isProjectNode(d) && (isFunction(d) || Node.isClassDeclaration(d)));
    } catch {
      return [];
    }
  }

  /**
   * What an expression stands for, followed through names: a function, a class, an object
   * literal, a `new`/call expression, a literal. Parameters and unknown names give undefined.
   */
  value(expr: Node, depth = 0): Node | undefined {
    if (depth > 12) return undefined;
    const e = unwrap(expr);
    if (Node.isIdentifier(e) || Node.isPropertyAccessExpression(e)) {
      if (Node.isPropertyAccessExpression(e)) {
        // a member of an object literal this file builds (`const handlers = { list }`)
        const obj = this.value(e.getExpression(), depth + 1);
        if (obj && Node.isObjectLiteralExpression(obj)) {
          const found = this.objectMember(obj, e.getName());
          if (found) return this.value(found, depth + 1);
        }
      }
      const decl = this.decls(e)[0];
      if (!decl) return undefined;
      return this.declValue(decl, depth + 1);
    }
    return e;
  }

  declValue(decl: Node, depth = 0): Node | undefined {
    if (depth > 12) return undefined;
    if (isFunction(decl) || Node.isClassDeclaration(decl) || Node.isClassExpression(decl)) return decl;
    if (Node.isVariableDeclaration(decl) || Node.isPropertyAssignment(decl) || Node.isPropertyDeclaration(decl)) {
      const init = decl.getInitializer();
      return init ? this.value(init, depth + 1) : undefined;
    }
    if (Node.isShorthandPropertyAssignment(decl)) {
      const local = this.localDecl(decl.getName(), decl);
      return local ? this.declValue(local, depth + 1) : undefined;
    }
    if (Node.isBinaryExpression(decl)) return this.value(decl.getRight(), depth + 1);
    if (Node.isPropertyAccessExpression(decl)) {
      const parent = decl.getParent();
      if (parent && Node.isBinaryExpression(parent) && parent.getLeft() === decl) return this.value(parent.getRight(), depth + 1);
      return undefined;
    }
    if (Node.isExportAssignment(decl)) return this.value(decl.getExpression(), depth + 1);
    if (Node.isSourceFile(decl)) return decl;
    return undefined;
  }

  /** A file-level declaration of a name, for shorthand properties (`module.exports = { list }`). */
  private localDecl(name: string, from: Node): Node | undefined {
    for (let node: Node | undefined = from.getParent(); node; node = node.getParent()) {
      if (!isFunction(node) && !Node.isSourceFile(node)) continue;
      const container = isFunction(node) ? ((node as FnNode).getBody() ?? node) : node;
      for (const stmt of container.getChildSyntaxList()?.getChildren() ?? []) {
        if (Node.isFunctionDeclaration(stmt) && stmt.getName() === name) return stmt;
        if (Node.isClassDeclaration(stmt) && stmt.getName() === name) return stmt;
        if (Node.isVariableStatement(stmt)) {
          const d = stmt.getDeclarations().find((v) => v.getName() === name);
          if (d) return d;
        }
        if (Node.isImportDeclaration(stmt)) {
          const clause = stmt.getImportClause();
          const spec = clause?.getNamedImports().find((s) => (s.getAliasNode() ?? s.getNameNode()).getText() === name);
          const id = spec
            ? (spec.getAliasNode() ?? spec.getNameNode())
            : clause?.getDefaultImport()?.getText() === name
              ? clause.getDefaultImport()
              : undefined;
          if (id) return this.decls(id)[0];
        }
      }
      if (isFunction(node)) {
        const p = (node as FnNode).getParameters().find((x) => Node.isParameterDeclaration(x) && x.getName() === name);
        if (p) return p;
      }
    }
    return undefined;
  }

  objectMember(obj: Node, name: string): Node | undefined {
    if (!Node.isObjectLiteralExpression(obj)) return undefined;
    for (const prop of [...obj.getProperties()].reverse()) {
      if (Node.isPropertyAssignment(prop) && propName(prop.getNameNode()) === name) return prop.getInitializer();
      if (Node.isShorthandPropertyAssignment(prop) && prop.getName() === name) return prop.getNameNode();
      if (Node.isMethodDeclaration(prop) && propName(prop.getNameNode()) === name) return prop;
    }
    return undefined;
  }

  /** The function an expression evaluates to, when it is one in the project. */
  fn(expr: Node): Node | undefined {
    const v = this.value(expr);
    return v && isFunction(v) ? v : undefined;
  }

  cls(expr: Node): ClassDeclaration | undefined {
    const v = this.value(expr);
    return v && Node.isClassDeclaration(v) ? v : undefined;
  }

  /** The object literal an expression evaluates to. */
  obj(expr: Node): Node | undefined {
    const v = this.value(expr);
    return v && Node.isObjectLiteralExpression(v) ? v : undefined;
  }

  /** A string known statically: literals, constants, `+` and templates of those. */
  str(expr: Node, depth = 0): string | undefined {
    if (depth > 10) return undefined;
    const e = unwrap(expr);
    if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e)) return e.getLiteralValue();
    if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
      const l = this.str(e.getLeft(), depth + 1);
      const r = l === undefined ? undefined : this.str(e.getRight(), depth + 1);
      return l !== undefined && r !== undefined ? l + r : undefined;
    }
    if (Node.isTemplateExpression(e)) {
      let out = e.getHead().getLiteralText();
      for (const span of e.getTemplateSpans()) {
        const v = this.str(span.getExpression(), depth + 1);
        if (v === undefined) return undefined;
        out += v + span.getLiteral().getLiteralText();
      }
      return out;
    }
    if (Node.isIdentifier(e) || Node.isPropertyAccessExpression(e)) {
      const v = this.constValue(e, depth);
      return v !== undefined && v !== e ? this.str(v, depth + 1) : undefined;
    }
    return undefined;
  }

  num(expr: Node, depth = 0): number | undefined {
    if (depth > 10) return undefined;
    const e = unwrap(expr);
    if (Node.isNumericLiteral(e)) return e.getLiteralValue();
    if (Node.isPropertyAccessExpression(e) && e.getExpression().getText() === 'HttpStatus') return HTTP_STATUS[e.getName()];
    if (Node.isIdentifier(e) || Node.isPropertyAccessExpression(e)) {
      const v = this.constValue(e, depth);
      return v !== undefined && v !== e ? this.num(v, depth + 1) : undefined;
    }
    return undefined;
  }

  /** The initializer of a `const` (or a member of a const object literal, or an enum member). */
  private constValue(e: Node, depth: number): Node | undefined {
    if (Node.isPropertyAccessExpression(e)) {
      const obj = this.constValue(e.getExpression(), depth + 1) ?? unwrap(e.getExpression());
      if (Node.isObjectLiteralExpression(obj)) return this.objectMember(obj, e.getName());
    }
    const decl = this.decls(e)[0];
    if (!decl) return undefined;
    if (Node.isVariableDeclaration(decl)) {
      const list = decl.getParent();
      const isConst = list && Node.isVariableDeclarationList(list) && (list.getFlags() & ts.NodeFlags.Const) !== 0;
      const init = decl.getInitializer();
      return isConst && init ? unwrap(init) : undefined;
    }
    if (Node.isEnumMember(decl)) return decl.getInitializer();
    if (Node.isPropertyAssignment(decl)) return decl.getInitializer();
    return undefined;
  }

  /** For a name imported from a package (not the project): the package and the member path. */
  external(expr: Node): { module: string; member: string | undefined } | undefined {
    const e = unwrap(expr);
    if (Node.isPropertyAccessExpression(e)) {
      const base = this.external(e.getExpression());
      if (!base) return undefined;
      return { module: base.module, member: base.member ? `${base.member}.${e.getName()}` : e.getName() };
    }
    if (Node.isCallExpression(e) && e.getExpression().getText() === 'require') {
      const arg = e.getArguments()[0];
      return arg && Node.isStringLiteral(arg) && !arg.getLiteralValue().startsWith('.') ? { module: arg.getLiteralValue(), member: undefined } : undefined;
    }
    if (!Node.isIdentifier(e)) return undefined;
    const decl = e.getSymbol()?.getDeclarations()[0];
    if (!decl) return undefined;
    const fromSpec = (spec: string, member: string | undefined) => (spec.startsWith('.') ? undefined : { module: spec, member });
    if (Node.isImportClause(decl)) return fromSpec(decl.getFirstAncestorByKindOrThrow(SyntaxKind.ImportDeclaration).getModuleSpecifierValue(), undefined);
    if (Node.isNamespaceImport(decl)) return fromSpec(decl.getFirstAncestorByKindOrThrow(SyntaxKind.ImportDeclaration).getModuleSpecifierValue(), undefined);
    if (Node.isImportSpecifier(decl)) return fromSpec(decl.getImportDeclaration().getModuleSpecifierValue(), decl.getName());
    if (Node.isVariableDeclaration(decl) && decl.getInitializer()) {
      const init = unwrap(decl.getInitializerOrThrow());
      if (Node.isIdentifier(decl.getNameNode())) return this.external(init);
    }
    if (Node.isBindingElement(decl)) {
      const owner = decl.getFirstAncestorByKind(SyntaxKind.VariableDeclaration);
      const init = owner?.getInitializer();
      if (init) {
        const base = this.external(init);
        const name = (decl.getPropertyNameNode() ?? decl.getNameNode()).getText();
        if (base) return { module: base.module, member: base.member ? `${base.member}.${name}` : name };
      }
    }
    return undefined;
  }

  /** The default export of a module file reached by a relative specifier (`import('./x.js')`). */
  moduleDefault(from: Node, spec: string): Node | undefined {
    if (!spec.startsWith('.')) return undefined;
    const base = path.normalize(path.join(path.dirname(this.rel(from)), spec));
    const stripped = base.replace(/\.(c|m)?js$/, '');
    const file = [base, `${base}.js`, `${base}.ts`, `${stripped}.ts`, `${stripped}.mts`, `${stripped}.cts`, `${base}/index.js`, `${base}/index.ts`].find((c) =>
      this.files.has(c),
    );
    return file ? this.moduleExport(file) : undefined;
  }

  /** What a project file exports as a whole: its default export, or what `module.exports =` is given. */
  moduleExport(file: string): Node | undefined {
    const sf = this.files.get(file);
    if (!sf) return undefined;
    const def = sf.getDefaultExportSymbol();
    let sym = def;
    if (sym?.isAlias()) sym = sym.getAliasedSymbol() ?? sym;
    const decl = sym?.getDeclarations()[0];
    if (decl) return this.declValue(decl);
    // CommonJS: module.exports = fn
    for (const bin of sf.getDescendantsOfKind(SyntaxKind.BinaryExpression)) {
      if (bin.getOperatorToken().getKind() === SyntaxKind.EqualsToken && bin.getLeft().getText().replace(/\s+/g, '') === 'module.exports')
        return this.value(bin.getRight());
    }
    return undefined;
  }

  /** A named export of a project file: `export const name = ...`, `module.exports.name = ...` or `exports.name = ...`. */
  moduleMember(file: string, name: string): Node | undefined {
    const sf = this.files.get(file);
    if (!sf) return undefined;
    const exported = sf.getExportedDeclarations().get(name)?.[0];
    if (exported) return this.declValue(exported) ?? exported;
    for (const bin of sf.getDescendantsOfKind(SyntaxKind.BinaryExpression)) {
      if (bin.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) continue;
      const left = bin.getLeft().getText().replace(/\s+/g, '');
      if (left === `module.exports.${name}` || left === `exports.${name}`) return bin.getRight();
    }
    return undefined;
  }

  /** What a project function returns: the value of its first `return` that resolves (factories). */
  returns(fn: Node): Node[] {
    const out: Node[] = [];
    if (Node.isArrowFunction(fn)) {
      const body = fn.getBody();
      if (!Node.isBlock(body)) return [body];
    }
    for (const ret of fn.getDescendantsOfKind(SyntaxKind.ReturnStatement)) {
      if (enclosingFunction(ret) !== fn) continue;
      const e = ret.getExpression();
      if (e) out.push(e);
    }
    return out;
  }
}

// ---- the fact scanner ----------------------------------------------------------------------------

/** How one function is being read. */
export interface Env {
  fn: Node;
  depth: number;
  /** Evidence for facts found in helpers: the call site in the root function. */
  rootLine: number | undefined;
  /** Names of the request / context object (Koa `ctx`, Fastify `request`, a Nest `@Req()`). */
  ctx: Set<string>;
  /** Names of the reply object (Fastify `reply`; Koa answers through `ctx`). */
  reply: Set<string>;
  when: string | undefined;
  whenIf: Node | undefined;
  fieldHint: string | undefined;
  returnFlows: boolean;
  stack: Node[];
}

export type TrackedParam = Param & { accesses: Set<string>; fnNode: Node };

export interface Facts {
  params: Map<string, TrackedParam>;
  outcomes: Array<Outcome & { ifNode?: Node }>;
  sideEffects: SideEffect[];
  volatile: Volatile[];
  helpers: Map<Node, number>;
}

export function newFacts(): Facts {
  return { params: new Map(), outcomes: [], sideEffects: [], volatile: [], helpers: new Map() };
}

/** The framework-specific reading of a node. */
export interface Dialect {
  /** Member paths after the context name that are request parts: `{ 'request.body': 'body' }`. */
  parts: Record<string, Param['in']>;
  /** Methods on the context that read a header (`ctx.get('X')`). */
  headerGetters: readonly string[];
  /** Outcomes at a node: call `add` for each. */
  outcomes(node: Node, env: Env, add: (status: number, at: Node, body?: Node, when?: string) => void, scanner: FactScanner): void;
}

export class FactScanner {
  constructor(readonly code: JsCodebase) {}

  /** Read a function: 'handler' for everything, 'middleware' for its outcomes only. */
  scanFunction(fn: Node, facts: Facts, dialect: Dialect, role: 'handler' | 'middleware', names: { ctx: string[]; reply: string[] }): void {
    const env: Env = {
      fn,
      depth: 0,
      rootLine: undefined,
      ctx: new Set(names.ctx.filter((n) => n !== '')),
      reply: new Set(names.reply.filter((n) => n !== '')),
      when: undefined,
      whenIf: undefined,
      fieldHint: undefined,
      returnFlows: true,
      stack: [fn],
    };
    const sink: Facts = role === 'handler' ? facts : { ...newFacts(), outcomes: facts.outcomes };
    this.scan(env, sink, dialect);
  }

  private scan(env: Env, facts: Facts, dialect: Dialect): void {
    const body = (env.fn as FnNode).getBody?.();
    if (!body) return;
    const aliases = this.aliases(env, body, dialect);
    for (const node of [body, ...body.getDescendants()]) {
      if (env.ctx.size > 0) this.param(node, env, aliases, facts, dialect);
      if (Node.isNewExpression(node)) this.volatileNew(node, env, facts);
      dialect.outcomes(node, env, (status, at, bodyNode, when) => this.addOutcome(status, at, env, facts, bodyNode, when), this);
      if (!Node.isCallExpression(node)) continue;
      const follow = this.sideEffect(node, env, facts);
      this.volatileCall(node, env, facts);
      if (follow) this.follow(node, env, facts, dialect);
    }
  }

  evidence(node: Node, env: Env): string {
    return env.rootLine !== undefined ? `${this.code.rel(env.stack[0]!)}:${env.rootLine}` : this.code.at(node);
  }

  /** The nearest `if` around a node in the function being read (else the caller's). */
  when(node: Node, env: Env): { text: string | undefined; ifNode: Node | undefined } {
    for (let cur: Node | undefined = node; cur && cur !== env.fn; cur = cur.getParent()) {
      const parent = cur.getParent();
      if (parent && Node.isIfStatement(parent) && cur !== parent.getExpression()) {
        const cond = parent.getExpression().getText().replace(/\s+/g, ' ');
        const text = cur === parent.getThenStatement() ? cond : `!(${cond})`;
        return { text, ifNode: env.depth === 0 ? parent : env.whenIf };
      }
    }
    return { text: env.when, ifNode: env.whenIf };
  }

  addOutcome(status: number, at: Node, env: Env, facts: Facts, bodyNode?: Node, when?: string): void {
    const found = this.when(at, env);
    const text = when ?? found.text;
    if (facts.outcomes.some((o) => o.status === status && o.when === text)) return;
    const outcome: Outcome & { ifNode?: Node } = { status };
    if (text !== undefined) outcome.when = text;
    if (bodyNode) {
      const body = this.literal(bodyNode, env);
      if (body !== undefined && typeof body !== 'number' && (typeof body !== 'string' || !body.startsWith('<'))) outcome.body = body;
    }
    outcome.evidence = this.evidence(at, env);
    if (found.ifNode && when === undefined) outcome.ifNode = found.ifNode;
    facts.outcomes.push(outcome);
  }

  /** A literal value for a body: literals, object/array literals, concatenation (unknown parts as `<text>`). */
  literal(node: Node, env: Env, depth = 0): unknown {
    if (depth > 8) return undefined;
    const e = unwrap(node);
    if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e)) return e.getLiteralValue();
    if (Node.isNumericLiteral(e)) return e.getLiteralValue();
    if (Node.isTemplateExpression(e)) return e.getText().slice(1, -1);
    if (e.getKind() === SyntaxKind.TrueKeyword) return true;
    if (e.getKind() === SyntaxKind.FalseKeyword) return false;
    if (e.getKind() === SyntaxKind.NullKeyword) return null;
    if (Node.isObjectLiteralExpression(e)) {
      const out: Record<string, unknown> = {};
      for (const prop of e.getProperties()) {
        if (Node.isPropertyAssignment(prop)) {
          const key = propName(prop.getNameNode());
          if (key === undefined) continue;
          const v = this.literal(prop.getInitializerOrThrow(), env, depth + 1);
          out[key] = v === undefined ? `<${truncate(prop.getInitializerOrThrow().getText())}>` : v;
        } else if (Node.isShorthandPropertyAssignment(prop)) out[prop.getName()] = `<${prop.getName()}>`;
      }
      return out;
    }
    if (Node.isArrayLiteralExpression(e)) return e.getElements().map((x) => this.literal(x, env, depth + 1) ?? `<${truncate(x.getText())}>`);
    if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
      const l = this.literal(e.getLeft(), env, depth + 1);
      const r = this.literal(e.getRight(), env, depth + 1);
      if (typeof l !== 'string' && typeof r !== 'string') return undefined;
      const part = (v: unknown, n: Node) => (typeof v === 'string' || typeof v === 'number' ? String(v) : `<${truncate(n.getText())}>`);
      return part(l, e.getLeft()) + part(r, e.getRight());
    }
    if (Node.isIdentifier(e)) {
      const decl = this.code.decls(e)[0];
      if (decl && Node.isVariableDeclaration(decl) && decl.getInitializer() && enclosingFunction(decl) === enclosingFunction(e)) {
        const init = unwrap(decl.getInitializerOrThrow());
        if (Node.isStringLiteral(init) || Node.isNumericLiteral(init) || Node.isObjectLiteralExpression(init)) return this.literal(init, env, depth + 1);
      }
    }
    return undefined;
  }

  // ---- thrown errors

  /** The status of a thrown expression: framework exceptions, http-errors helpers, errors carrying `statusCode`. */
  thrownStatus(expr: Node, env: Env, seen = new Set<Node>()): number | undefined {
    const e = unwrap(expr);
    if (seen.has(e)) return undefined;
    seen.add(e);
    if (Node.isNewExpression(e)) return this.classStatus(e.getExpression(), e.getArguments(), seen);
    if (Node.isCallExpression(e)) {
      const callee = e.getExpression();
      const name = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
      const args = e.getArguments();
      if (/^(createError|createHttpError|httpError|HttpError)$/.test(name) || /(^|\.)createError$/.test(callee.getText())) {
        const n = args[0] ? this.code.num(args[0]) : undefined;
        if (n !== undefined) return n;
      }
      if (HTTP_ERROR_NAMES[name] !== undefined && Node.isPropertyAccessExpression(callee) && /httpErrors|reply|res\b/i.test(callee.getExpression().getText()))
        return HTTP_ERROR_NAMES[name];
      // http-errors: createError.NotFound(), createHttpError.Conflict()
      if (Node.isPropertyAccessExpression(callee) && /^(createError|createHttpError|httpErrors)$/.test(callee.getExpression().getText())) {
        const key = Object.keys(HTTP_ERROR_NAMES).find((k) => k.toLowerCase() === name.toLowerCase().replace(/error$/, ''));
        if (key) return HTTP_ERROR_NAMES[key];
      }
      if (callee.getText().replace(/\s+/g, '') === 'Object.assign' && args.length >= 2) {
        for (const a of args.slice(1)) {
          const o = unwrap(a);
          if (!Node.isObjectLiteralExpression(o)) continue;
          const s = this.code.objectMember(o, 'statusCode') ?? this.code.objectMember(o, 'status');
          const n = s ? this.code.num(s) : undefined;
          if (n !== undefined) return n;
        }
      }
      // a project function that builds the error
      const fn = this.code.fn(callee);
      if (fn && seen.size < 6) {
        for (const r of this.code.returns(fn)) {
          const n = this.thrownStatus(r, env, seen);
          if (n !== undefined) return n;
        }
      }
      return undefined;
    }
    if (Node.isIdentifier(e)) {
      const decl = this.code.decls(e)[0];
      const fn = enclosingFunction(e);
      if (decl && Node.isVariableDeclaration(decl) && fn) {
        for (const bin of fn.getDescendantsOfKind(SyntaxKind.BinaryExpression)) {
          const left = bin.getLeft().getText().replace(/\s+/g, '');
          if (bin.getOperatorToken().getKind() === SyntaxKind.EqualsToken && (left === `${e.getText()}.statusCode` || left === `${e.getText()}.status`)) {
            const n = this.code.num(bin.getRight());
            if (n !== undefined) return n;
          }
        }
        const init = decl.getInitializer();
        if (init) return this.thrownStatus(init, env, seen);
      }
    }
    return undefined;
  }

  /** The status of `new X(args)`: Nest exceptions, `HttpException(msg, status)`, project classes with `statusCode`. */
  classStatus(callee: Node, args: Node[], seen = new Set<Node>()): number | undefined {
    const name = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
    const cls = this.code.cls(callee);
    if (!cls) {
      if (NEST_EXCEPTIONS[name] !== undefined) return NEST_EXCEPTIONS[name];
      if (name === 'HttpException' || name === 'HttpError') return args[1] ? this.code.num(args[1]) : undefined;
      const http = name.replace(/Error$/, '');
      const key = Object.keys(HTTP_ERROR_NAMES).find((k) => k.toLowerCase() === http.toLowerCase());
      if (key && /^httpErrors?\./.test(callee.getText())) return HTTP_ERROR_NAMES[key];
      return undefined;
    }
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    // `statusCode = 409` as a property, or `this.statusCode = 409` in the constructor
    for (const prop of cls.getProperties()) {
      if (/^(statusCode|status)$/.test(prop.getName()) && prop.getInitializer()) {
        const n = this.code.num(prop.getInitializerOrThrow());
        if (n !== undefined) return n;
      }
    }
    // What the constructor's parameters stand for in this `new`: the argument, else the default.
    const argumentFor = (ctor: Node & { getParameters(): { getName(): string; getInitializer(): Node | undefined }[] }, expr: Node): Node => {
      const e = unwrap(expr);
      if (!Node.isIdentifier(e)) return e;
      const params = ctor.getParameters();
      const i = params.findIndex((p) => p.getName() === e.getText());
      return i < 0 ? e : (args[i] ?? params[i]!.getInitializer() ?? e);
    };
    for (const ctor of cls.getConstructors()) {
      for (const bin of ctor.getDescendantsOfKind(SyntaxKind.BinaryExpression)) {
        if (/^this\.(statusCode|status)$/.test(bin.getLeft().getText()) && bin.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
          const n = this.code.num(argumentFor(ctor, bin.getRight()));
          if (n !== undefined) return n;
        }
      }
    }
    const ext = cls.getExtends();
    if (!ext) return undefined;
    const base = ext.getExpression();
    // `class NotFoundError extends HttpError { constructor(what) { super(`${what} not found`, 404) } }`: the base sees the super arguments.
    for (const ctor of cls.getConstructors()) {
      for (const call of ctor.getDescendantsOfKind(SyntaxKind.CallExpression)) {
        if (call.getExpression().getKind() !== SyntaxKind.SuperKeyword || base.getText() === 'HttpException') continue;
        const n = this.classStatus(
          base,
          call.getArguments().map((a) => argumentFor(ctor, a)),
          seen,
        );
        if (n !== undefined) return n;
      }
    }
    // `super(msg, HttpStatus.CONFLICT)` for an HttpException subclass
    if (base.getText() === 'HttpException') {
      for (const ctor of cls.getConstructors()) {
        for (const call of ctor.getDescendantsOfKind(SyntaxKind.CallExpression)) {
          if (call.getExpression().getKind() === SyntaxKind.SuperKeyword) {
            const a = call.getArguments()[1];
            const n = a ? this.code.num(a) : undefined;
            if (n !== undefined) return n;
          }
        }
      }
      return undefined;
    }
    // Without a constructor of its own, a subclass passes its arguments on.
    return this.classStatus(base, cls.getConstructors().length === 0 ? args : [], seen);
  }

  // ---- params

  private partOf(node: Node, env: Env, aliases: Map<string, Param['in']>, dialect: Dialect): Param['in'] | undefined {
    const e = unwrap(node);
    if (Node.isIdentifier(e)) return aliases.get(e.getText());
    if (!Node.isPropertyAccessExpression(e)) return undefined;
    const text = e.getText().replace(/\s+/g, '');
    const root = text.split('.')[0]!;
    if (!env.ctx.has(root)) return undefined;
    return dialect.parts[text.slice(root.length + 1)];
  }

  private aliases(env: Env, body: Node, dialect: Dialect): Map<string, Param['in']> {
    const out = new Map<string, Param['in']>();
    if (env.ctx.size === 0) return out;
    for (const decl of body.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
      let init = decl.getInitializer();
      if (!init || !Node.isIdentifier(decl.getNameNode())) continue;
      if (Node.isBinaryExpression(init) && /^(\|\||\?\?)$/.test(init.getOperatorToken().getText())) init = init.getLeft();
      const where = this.partOf(init, env, out, dialect);
      if (where) out.set(decl.getName(), where);
    }
    return out;
  }

  private param(node: Node, env: Env, aliases: Map<string, Param['in']>, facts: Facts, dialect: Dialect): void {
    const record = (name: string, where: Param['in'], access: string, at: Node) => {
      const key = `${where} ${where === 'header' ? name.toLowerCase() : name}`;
      let p = facts.params.get(key);
      if (!p) {
        p = { name, in: where, evidence: this.code.at(at), accesses: new Set(), fnNode: env.fn };
        facts.params.set(key, p);
      }
      if (p.fnNode === env.fn) {
        p.accesses.add(access);
        // `const name = ctx.request.body.name`: checks on `name` are checks on the param
        const parent = at.getParent();
        if (parent && Node.isVariableDeclaration(parent) && parent.getInitializer() === at && Node.isIdentifier(parent.getNameNode()))
          p.accesses.add(parent.getName());
      }
    };
    if (Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) {
      const where = this.partOf(node.getExpression(), env, aliases, dialect);
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
    if (Node.isVariableDeclaration(node)) {
      const pattern = node.getNameNode();
      if (!Node.isObjectBindingPattern(pattern)) return;
      let init = node.getInitializer();
      if (!init) return;
      if (Node.isBinaryExpression(init) && /^(\|\||\?\?)$/.test(init.getOperatorToken().getText())) init = init.getLeft();
      const where = this.partOf(init, env, aliases, dialect);
      if (!where) return;
      for (const el of pattern.getElements()) {
        if (el.getDotDotDotToken()) continue;
        record((el.getPropertyNameNode() ?? el.getNameNode()).getText(), where, el.getNameNode().getText(), el);
      }
      return;
    }
    if (Node.isCallExpression(node)) {
      const callee = node.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) return;
      const recv = callee.getExpression().getText().replace(/\s+/g, '');
      const arg = node.getArguments()[0];
      if (!arg || !Node.isStringLiteral(arg)) return;
      const root = recv.split('.')[0]!;
      if (!env.ctx.has(root)) return;
      if (recv === root && dialect.headerGetters.includes(callee.getName())) record(arg.getLiteralValue(), 'header', node.getText(), node);
      else if (recv === `${root}.cookies` && callee.getName() === 'get') record(arg.getLiteralValue(), 'cookie', node.getText(), node);
    }
  }

  /** A param's final form: type hints from the code, validations and `required` from 400 branches that test it. */
  finishParam(p: TrackedParam, facts: Facts): Param {
    const out: Param = { name: p.name, in: p.in };
    const accesses = [...p.accesses];
    const mentions = (text: string) => accesses.some((a) => new RegExp(`(^|[^\\w.$])${escapeRegex(a)}(?![\\w$])`).test(text));
    const type = p.type ?? typeHint(p.fnNode, accesses);
    if (type) out.type = type;
    const validations: string[] = [...(p.validations ?? [])];
    let required = p.required;
    for (const o of facts.outcomes) {
      if (o.status !== 400 || !o.ifNode || !Node.isIfStatement(o.ifNode)) continue;
      const cond = o.ifNode.getExpression().getText().replace(/\s+/g, ' ');
      if (!mentions(cond)) continue;
      if (!validations.includes(cond)) validations.push(cond);
      for (const a of accesses) {
        const x = escapeRegex(a);
        if (new RegExp(`(^|[^!=])!\\s*${x}(?![\\w$.(\\[])|${x}\\s*===?\\s*(undefined|null)`).test(cond)) required = required ?? true;
      }
    }
    if (required !== undefined) out.required = required;
    if (validations.length > 0) out.validations = validations;
    if (p.description) out.description = p.description;
    if (p.evidence) out.evidence = p.evidence;
    return out;
  }

  // ---- following helpers

  private follow(call: Node, env: Env, facts: Facts, dialect: Dialect): void {
    if (!Node.isCallExpression(call) || env.depth >= HELPER_DEPTH) return;
    const fn = this.code.fn(call.getExpression());
    if (!fn || env.stack.includes(fn) || fn.getAncestors().includes(env.fn as never)) return;
    if (!(fn as FnNode).getBody?.()) return;
    const depth = env.depth + 1;
    const known = facts.helpers.get(fn);
    if (known === undefined || depth < known) facts.helpers.set(fn, depth);
    const names = paramNames(fn);
    const args = call.getArguments();
    const ctx = new Set<string>();
    const reply = new Set<string>();
    names.forEach((name, i) => {
      const arg = args[i];
      if (!name || !arg || !Node.isIdentifier(arg)) return;
      if (env.ctx.has(arg.getText())) ctx.add(name);
      if (env.reply.has(arg.getText())) reply.add(name);
    });
    const { text, ifNode } = this.when(call, env);
    const child: Env = {
      fn,
      depth,
      rootLine: env.rootLine ?? call.getStartLineNumber(),
      ctx,
      reply,
      when: text,
      whenIf: ifNode,
      fieldHint: assignedName(call) ?? (returned(call, env) ? env.fieldHint : undefined),
      returnFlows: env.depth === 0 || (returned(call, env) && env.returnFlows),
      stack: [...env.stack, fn],
    };
    this.scan(child, facts, dialect);
  }

  // ---- side effects

  /** Records a side effect of a call; returns whether the callee should still be followed. */
  private sideEffect(call: Node, env: Env, facts: Facts): boolean {
    if (!Node.isCallExpression(call)) return true;
    const callee = unwrap(call.getExpression());
    const args = call.getArguments();
    const add = (kind: SideEffect['kind'], target: string) => {
      if (facts.sideEffects.some((s) => s.kind === kind && s.target === target)) return;
      facts.sideEffects.push({ kind, target, evidence: this.evidence(call, env) });
    };
    const firstString = () => {
      for (const a of args) {
        const v = this.code.str(a);
        if (v !== undefined) return v;
      }
      return undefined;
    };
    const method = Node.isPropertyAccessExpression(callee) ? callee.getName() : undefined;
    const recv = Node.isPropertyAccessExpression(callee) ? unwrap(callee.getExpression()) : undefined;
    const recvText = recv
      ? recv
          .getText()
          .replace(/\s+/g, '')
          .replace(/^this\./, '')
      : undefined;
    // the receiver's own name: `queue` in queue.add(), `usersRepository` in this.usersRepository.save()
    const recvLast = recv && Node.isPropertyAccessExpression(recv) ? recv.getName() : recv && Node.isIdentifier(recv) ? recvText : undefined;
    const root = recv ? rootIdentifier(recv) : undefined;
    if (root && (env.ctx.has(root) || env.reply.has(root))) return true;
    const projectFn = this.code.fn(callee);

    // SQL in a string
    if (method && SQL_METHODS.has(method) && args[0]) {
      const sql = this.sqlText(args[0]);
      if (sql) {
        const effect = sqlEffect(sql);
        if (effect) add(effect.kind, effect.table);
        return true;
      }
    }
    if (Node.isTaggedTemplateExpression(call)) return true;
    // HTTP calls
    const ext = this.code.external(Node.isPropertyAccessExpression(callee) ? callee.getExpression() : callee);
    if (
      (Node.isIdentifier(callee) && HTTP_GLOBALS.has(callee.getText()) && !projectFn) ||
      (method &&
        HTTP_METHODS_CALLED.test(method) &&
        recvLast !== undefined &&
        (HTTP_RECEIVER.test(recvLast) || (ext && /^(axios|got|undici|ky|superagent)$/.test(ext.module))))
    ) {
      const url = args[0] ? (this.code.str(args[0]) ?? args[0].getText()) : '';
      add('http_call', `${callee.getText().replace(/^this\./, '')} ${url}`.trim());
      return false;
    }
    if (projectFn === undefined || !recv) {
      // cache
      if (method && recvLast && CACHE_RECEIVER.test(recvLast) && CACHE_METHODS.has(method)) {
        add('cache', `${recvText}.${method}${firstString() ? ` ${firstString()}` : ''}`);
        return true;
      }
      // events
      if (method === 'emit' && recvLast && EVENT_RECEIVER.test(recvLast)) {
        add('event', firstString() ?? `${recvText}.emit`);
        return true;
      }
    }
    // Prisma: prisma.user.create(...)
    if (method && recv && Node.isPropertyAccessExpression(recv) && /prisma/i.test(recv.getExpression().getText())) {
      if (ORM_WRITES.has(method)) add('db_write', recv.getName());
      else if (ORM_READS.has(method)) add('db_read', recv.getName());
      return true;
    }
    // TypeORM repositories: this.usersRepository.save(...)
    if (method && recv && recvLast && /repo(sitory)?$/i.test(recvLast) && !projectFn) {
      const entity = this.repositoryEntity(recv) ?? recvLast;
      if (ORM_WRITES.has(method)) add('db_write', entity);
      else if (ORM_READS.has(method)) add('db_read', entity);
      return true;
    }
    // jobs and mail, by name
    let jobName: string | undefined;
    if (recv && method && recvLast && (JOB_RECEIVER.test(recvLast) || JOB_METHOD.test(method)) && !/^(console|logger|log)$/i.test(recvLast))
      jobName = `${recvText}.${method}`;
    else if (Node.isIdentifier(callee) && JOB_FUNCTION.test(callee.getText())) jobName = callee.getText();
    if (jobName) {
      const topic = firstString();
      const mail = MAIL.test(jobName) || (topic !== undefined && MAIL.test(topic));
      add(mail ? 'email' : 'job', topic ? `${jobName} ${topic}` : jobName);
      return false;
    }
    // ORM-style models: User.create(...)
    if (method && recv && Node.isIdentifier(recv) && !BUILTIN_OBJECTS.has(recv.getText()) && !projectFn) {
      const model = recv.getText();
      if (/^[A-Z]/.test(model) && ORM_WRITES.has(method)) add('db_write', model);
      else if (/^[A-Z]/.test(model) && ORM_READS.has(method)) add('db_read', model);
    }
    return true;
  }

  /** `@InjectRepository(User) repo: Repository<User>` → `User`. */
  private repositoryEntity(recv: Node): string | undefined {
    const decl = this.code.decls(recv)[0];
    if (!decl || !(Node.isParameterDeclaration(decl) || Node.isPropertyDeclaration(decl))) return undefined;
    const inject = decl.getDecorators().find((d) => d.getName() === 'InjectRepository' || d.getName() === 'InjectModel');
    const arg = inject?.getArguments()[0];
    if (arg) return arg.getText();
    const m = /Repository<\s*(\w+)\s*>/.exec(decl.getTypeNode()?.getText() ?? '');
    return m?.[1];
  }

  private sqlText(node: Node): string | undefined {
    const e = unwrap(node);
    const v = this.code.str(e);
    if (v !== undefined) return v;
    if (Node.isTemplateExpression(e)) return e.getHead().getLiteralText();
    if (Node.isBinaryExpression(e)) return this.sqlText(e.getLeft());
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
    else if (/^(uuid|uuidv4|uuidV4|v4|nanoid|ulid|cuid|cuid2|createId)$|^uuid\.v4$/.test(text)) reason = `a random id (${text}())`;
    if (reason) this.addVolatile(call, reason, env, facts);
  }

  private volatileNew(node: Node, env: Env, facts: Facts): void {
    if (!Node.isNewExpression(node)) return;
    if (node.getExpression().getText() === 'Date' && (node.getArguments()?.length ?? 0) === 0)
      this.addVolatile(node, 'the current time (new Date())', env, facts);
  }

  private addVolatile(node: Node, reason: string, env: Env, facts: Facts): void {
    if (env.depth > 0 && !(env.returnFlows && returned(node, env)) && !assignedToProperty(node)) return;
    // A header's value (`res.set('ETag', randomUUID())`) is not the body: the body is not volatile for it.
    if (headerValue(node)) return;
    const name = assignedName(node) ?? (returned(node, env) ? env.fieldHint : undefined);
    let field = '$';
    if (name !== undefined) field = ID_LIKE.test(name) ? '$.id' : /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$.${name}` : '$';
    const via = env.stack
      .slice(1)
      .map((f) => fnName(f))
      .join(' → ');
    const fullReason = env.depth > 0 ? `${reason}, via ${via}` : reason;
    if (facts.volatile.some((v) => v.field === field)) return;
    facts.volatile.push({ field, reason: fullReason, evidence: this.evidence(node, env) });
  }
}

/** Whether a value is (part of) the value argument of a response-header setter: `res.set(name, v)`, `setHeader`, `header`, `append`, `ctx.set`. */
export function headerValue(node: Node): boolean {
  let cur: Node = node;
  for (let parent = cur.getParent(); parent; cur = parent, parent = parent.getParent()) {
    if (Node.isCallExpression(parent)) {
      const callee = parent.getExpression();
      const args = parent.getArguments();
      if (Node.isPropertyAccessExpression(callee) && /^(set|setHeader|header|append)$/.test(callee.getName()) && args.length >= 2 && args.indexOf(cur) > 0)
        return true;
      if (args.includes(cur)) return false;
      continue;
    }
    if (!(
      Node.isTemplateSpan(parent) ||
      Node.isTemplateExpression(parent) ||
      Node.isBinaryExpression(parent) ||
      Node.isParenthesizedExpression(parent) ||
      Node.isPropertyAccessExpression(parent)
    ))
      return false;
  }
  return false;
}

/** `{ ..., createdAt: new Date() }` inside an object a helper builds and saves: it reaches the response too. */
function assignedToProperty(node: Node): boolean {
  const parent = node.getParent();
  return parent !== undefined && Node.isPropertyAssignment(parent);
}

/** The variable or property an expression's value is assigned to, looking through wrapping expressions. */
export function assignedName(node: Node): string | undefined {
  let cur: Node = node;
  for (let parent = cur.getParent(); parent; cur = parent, parent = parent.getParent()) {
    if (Node.isVariableDeclaration(parent)) return Node.isIdentifier(parent.getNameNode()) ? parent.getName() : undefined;
    if (Node.isPropertyAssignment(parent)) return propName(parent.getNameNode());
    if (Node.isPropertyDeclaration(parent)) return parent.getName();
    if (Node.isBinaryExpression(parent) && parent.getOperatorToken().getKind() === SyntaxKind.EqualsToken && parent.getRight() === cur) {
      const left = parent.getLeft();
      if (Node.isIdentifier(left)) return left.getText();
      if (Node.isPropertyAccessExpression(left)) return left.getName();
      return undefined;
    }
    if (
      Node.isParenthesizedExpression(parent) ||
      Node.isBinaryExpression(parent) ||
      Node.isPropertyAccessExpression(parent) ||
      Node.isCallExpression(parent) ||
      Node.isConditionalExpression(parent) ||
      Node.isTemplateSpan(parent) ||
      Node.isTemplateExpression(parent) ||
      Node.isAwaitExpression(parent) ||
      Node.isAsExpression(parent)
    )
      continue;
    return undefined;
  }
  return undefined;
}

function returned(node: Node, env: Env): boolean {
  const ret = node.getFirstAncestor((a) => Node.isReturnStatement(a) || isFunction(a));
  if (ret !== undefined && Node.isReturnStatement(ret)) return enclosingFunction(ret) === env.fn;
  // an expression-bodied arrow function returns its body
  return ret !== undefined && ret === env.fn && Node.isArrowFunction(ret) && !Node.isBlock(ret.getBody());
}

export function fnName(fn: Node): string {
  if (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn)) {
    const name = fn.getName();
    if (name) return name;
  }
  if (Node.isMethodDeclaration(fn)) {
    const cls = fn.getParent();
    return cls && Node.isClassDeclaration(cls) && cls.getName() ? `${cls.getName()}.${fn.getName()}` : fn.getName();
  }
  const parent = fn.getParent();
  if (parent && (Node.isVariableDeclaration(parent) || Node.isPropertyAssignment(parent))) return parent.getName();
  return 'anonymous function';
}

function typeHint(fn: Node, accesses: string[]): string | undefined {
  if (accesses.length === 0) return undefined;
  const set = new Set(accesses);
  for (const node of fn.getDescendants()) {
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

export function sqlEffect(sql: string): { kind: 'db_write' | 'db_read'; table: string } | undefined {
  const s = sql.trim();
  const write =
    /^INSERT\s+(?:OR\s+\w+\s+)?INTO\s+[`"[]?(\w+)/i.exec(s) ??
    /^REPLACE\s+INTO\s+[`"[]?(\w+)/i.exec(s) ??
    /^UPDATE\s+(?:OR\s+\w+\s+)?[`"[]?(\w+)/i.exec(s) ??
    /^DELETE\s+FROM\s+[`"[]?(\w+)/i.exec(s);
  if (write) return { kind: 'db_write', table: write[1]! };
  const read = /^(?:WITH\b[\s\S]*?\)\s*)?SELECT\b[\s\S]*?\bFROM\s+[`"[]?(\w+)/i.exec(s);
  if (read) return { kind: 'db_read', table: read[1]! };
  return undefined;
}

/** Sort endpoints by path, then method, then handler. */
export function sortEndpoints<T extends { path: string; method: string; handler: string }>(list: T[]): T[] {
  return list.sort((a, b) => cmp(a.path, b.path) || cmp(a.method, b.method) || cmp(a.handler, b.handler));
}

/**
 * Whether an auth middleware rejects a request without credentials (`true`) or only reads them
 * when present (`false`): by its name, else by its body when it is a project function
 * (auth-requirement.ts); undefined when neither says.
 */
export function middlewareAuthRequired(name: string, fn: Node | undefined): boolean | undefined {
  return authRequirement(name, fn?.getText());
}

/**
 * A route path written with a loop variable over a literal list, every value it takes:
 * `for (const name of ['a', 'b']) app.get(`/status/${name}`, ...)` and
 * `['users', 'teams'].forEach((r) => router.get('/' + r, ...))` are two routes each. `str`
 * evaluates everything else (constants, literals); undefined when any part stays unknown.
 */
export function loopPaths(node: Node, str: (n: Node) => string | undefined): string[] | undefined {
  const e = unwrap(node);
  if (Node.isIdentifier(e)) {
    const values = loopValues(e, str);
    if (values) return values;
  }
  if (Node.isTemplateExpression(e)) {
    let out = [e.getHead().getLiteralText()];
    for (const span of e.getTemplateSpans()) {
      const values = loopPaths(span.getExpression(), str);
      if (!values) return undefined;
      const tail = span.getLiteral().getLiteralText();
      out = out.flatMap((head) => values.map((v) => head + v + tail));
    }
    return out;
  }
  if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
    const left = loopPaths(e.getLeft(), str);
    const right = loopPaths(e.getRight(), str);
    return left && right ? left.flatMap((l) => right.map((r) => l + r)) : undefined;
  }
  const value = str(e);
  return value === undefined ? undefined : [value];
}

/** The strings a loop variable takes: a `for...of` over a literal list, or the first parameter of a `forEach`/`map` callback over one. */
function loopValues(id: Node, str: (n: Node) => string | undefined): string[] | undefined {
  const decl = id.getSymbol()?.getDeclarations()[0];
  if (!decl) return undefined;
  let list: Node | undefined;
  if (Node.isVariableDeclaration(decl)) {
    const statement = decl.getParent()?.getParent();
    if (statement && Node.isForOfStatement(statement)) list = statement.getExpression();
  } else if (Node.isParameterDeclaration(decl)) {
    const fn = decl.getParent();
    const call = fn?.getParent();
    if (fn && isFunction(fn) && (fn as Node & { getParameters(): Node[] }).getParameters()[0] === decl && call && Node.isCallExpression(call)) {
      const callee = call.getExpression();
      if (Node.isPropertyAccessExpression(callee) && /^(forEach|map|flatMap)$/.test(callee.getName()) && call.getArguments()[0] === fn)
        list = callee.getExpression();
    }
  }
  return list ? literalStrings(list, str, 0) : undefined;
}

function literalStrings(node: Node, str: (n: Node) => string | undefined, depth: number): string[] | undefined {
  const e = unwrap(node);
  if (Node.isArrayLiteralExpression(e)) {
    const values = e.getElements().map((el) => str(el));
    return values.every((v): v is string => v !== undefined) ? values : undefined;
  }
  if (Node.isIdentifier(e) && depth < 4) {
    const decl = e.getSymbol()?.getDeclarations()[0];
    const init = decl && Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
    return init ? literalStrings(init, str, depth + 1) : undefined;
  }
  return undefined;
}

/** A middleware, hook or guard expression as a guard, when its name says it is one. */
export function guardOf(code: JsCodebase, expr: Node, level: NonNullable<Guard['level']>, fn?: Node): Guard | undefined {
  const e = unwrap(expr);
  let name = '';
  if (Node.isIdentifier(e) || Node.isPropertyAccessExpression(e)) name = e.getText();
  else if (Node.isCallExpression(e) || Node.isNewExpression(e)) name = e.getExpression().getText();
  else if (Node.isFunctionExpression(e)) name = e.getName() ?? '';
  if (fn && (Node.isFunctionDeclaration(fn) || Node.isFunctionExpression(fn))) name += ` ${fn.getName() ?? ''}`;
  if (!name.trim()) return undefined;
  const kind = classifyName(name);
  if (!kind) return undefined;
  const text = Node.isFunctionExpression(e)
    ? (e.getName() ?? 'inline middleware')
    : (Node.isCallExpression(e) || Node.isNewExpression(e)) && e.getText().length > 60
      ? `${e.getExpression().getText()}(...)`
      : e.getText().replace(/\s+/g, ' ');
  const required = kind === 'auth' ? middlewareAuthRequired(name, fn) : undefined;
  return { kind, text, level, ...(required !== undefined && { required }), evidence: code.at(expr) };
}

/** The project function a middleware expression runs: itself, or what a factory call returns. */
export function middlewareFn(code: JsCodebase, expr: Node): Node | undefined {
  const direct = code.fn(expr);
  if (direct) return direct;
  const e = unwrap(expr);
  if (Node.isCallExpression(e)) {
    const factory = code.fn(e.getExpression());
    if (factory) {
      for (const r of code.returns(factory)) {
        const f = code.fn(r);
        if (f) return f;
      }
    }
  }
  return undefined;
}

export interface EndpointInput {
  method: EndpointFacts['method'];
  path: string;
  framework: string;
  /** The handler function (or, unresolved, the expression that names it). */
  handler: Node;
  /** Evidence for path parameters: where the path is written. */
  pathAt: Node;
  facts: Facts;
  guards: Guard[];
  /** Params known from declarations (schemas, decorators), before those read from the code. */
  declared?: Param[];
  scanner: FactScanner;
}

/** Assemble an endpoint from what was read: path params from the template, then declared, then read params. */
export function buildEndpoint(input: EndpointInput): EndpointFacts {
  const { scanner, facts } = input;
  const code = scanner.code;
  const params: Param[] = [];
  const seen = new Set<string>();
  const key = (p: { in: string; name: string }) => `${p.in} ${p.in === 'header' ? p.name.toLowerCase() : p.name}`;
  const declared = input.declared ?? [];
  for (const m of input.path.matchAll(/\{(\w+)\*?\}/g)) {
    const name = m[1]!;
    const dec = declared.find((d) => d.in === 'path' && d.name === name);
    const found = facts.params.get(`path ${name}`);
    const p: Param = dec ? { ...dec, required: true } : { name, in: 'path', type: found?.type ?? 'string', required: true, evidence: code.at(input.pathAt) };
    params.push(p);
    seen.add(key(p));
  }
  for (const d of declared) {
    if (d.in === 'path' || seen.has(key(d))) continue;
    params.push(d);
    seen.add(key(d));
  }
  for (const p of facts.params.values()) {
    if (p.in === 'path' || seen.has(key(p))) continue;
    params.push(scanner.finishParam(p, facts));
    seen.add(key(p));
  }
  const handlerSpan = code.span(input.handler);
  const helpers: HashedSpan[] = [];
  for (const [node, depth] of facts.helpers) if (depth <= HASH_DEPTH) helpers.push(code.span(node));
  return {
    method: input.method,
    path: input.path,
    framework: input.framework,
    handler: `${handlerSpan.file}:${handlerSpan.start}-${handlerSpan.end}`,
    params,
    guards: input.guards,
    outcomes: facts.outcomes.map(({ ifNode: _ifNode, ...o }) => o),
    side_effects: facts.sideEffects,
    volatile: facts.volatile,
    source_hash: endpointSourceHash(handlerSpan, helpers),
  };
}

/** Flattens argument lists: arrays and spreads of middleware. */
export function flatten(args: Node[]): Node[] {
  const out: Node[] = [];
  for (const a of args) {
    const e = unwrap(a);
    if (Node.isArrayLiteralExpression(e)) out.push(...flatten(e.getElements()));
    else if (Node.isSpreadElement(e)) out.push(e.getExpression());
    else out.push(a);
  }
  return out;
}

/** The statuses set on `target.status = N` / `target.code(N)` earlier in the enclosing blocks of a node, nearest first. */
export function precedingStatement(node: Node, stop: Node, test: (stmt: Node) => Node | undefined): Node | undefined {
  for (let cur: Node | undefined = node; cur && cur !== stop; cur = cur.getParent()) {
    const parent = cur.getParent();
    if (!parent || !(Node.isBlock(parent) || Node.isSourceFile(parent) || Node.isCaseClause(parent))) continue;
    for (let prev = cur.getPreviousSibling(); prev; prev = prev.getPreviousSibling()) {
      const found = test(prev);
      if (found) return found;
    }
  }
  return undefined;
}
