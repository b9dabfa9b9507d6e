/**
 * The NestJS extractor: `@Controller('users')` classes and their `@Get(':id')`, `@Post()`, `@Put`,
 * `@Patch`, `@Delete`, `@Options`, `@Head` and `@All` (`*`) methods, under the global prefix of
 * `app.setGlobalPrefix('api')`.
 *
 * Guards: `app.useGlobalGuards(new X())` and `{ provide: APP_GUARD, useClass: X }` (level app),
 * `@UseGuards(...)` on the class (controller) or the method (handler), classified by name (a guard
 * whose name says nothing is `other`); `@Roles('admin')`-style metadata is authz; `@Public()` /
 * `@SkipAuth()` exempt a route from the app and controller auth guards. `AuthGuard('jwt')` (and
 * guards extending it) answer 401; project guards contribute what their `canActivate` throws, and
 * 403 where it returns false. A `ValidationPipe` (global, `@UsePipes`, or on `@Body`) is a
 * validation guard and answers 400 for a DTO that fails its class-validator decorators.
 *
 * Params: `@Param('id', ParseIntPipe)` (path, integer), `@Query('q')`, `@Headers('x')`,
 * `@Body('name')`, `@Body() dto: CreateUserDto` (the DTO's properties, their class-validator
 * decorators as validations, `@IsOptional()` / `?` as not required, `PartialType(X)` as X all
 * optional), and `@Req()` reads (`req.query.x`).
 *
 * Outcomes: `@HttpCode(N)` or the default (201 for POST, 200 otherwise), `@Redirect()`, and
 * exceptions thrown in the handler and in the project methods it calls (`this.usersService.find()`
 * is followed to the service class): Nest's built-in exceptions, `new HttpException(x, status)`,
 * and project subclasses of either.
 *
 * Not supported (documented, warned where seen): `RouterModule` paths, versioning, `@Res()`-driven
 * responses (their status is read as the default).
 */
import { Node, SyntaxKind, type ClassDeclaration, type Decorator, type MethodDeclaration } from 'ts-morph';
import type { EndpointFacts, Extractor, ExtractorContext, Guard, Param, SourceProject } from '../types.js';
import {
  middlewareAuthRequired,
  FactScanner,
  JsCodebase,
  buildEndpoint,
  detectDependency,
  enclosingFunction,
  guardOf,
  joinPaths,
  newFacts,
  sortEndpoints,
  templatePaths,
  truncate,
  unwrap,
  type Dialect,
  type Env,
  type Facts,
} from './js-common.js';

const HTTP_DECORATORS: Record<string, EndpointFacts['method']> = {
  Get: 'GET',
  Post: 'POST',
  Put: 'PUT',
  Patch: 'PATCH',
  Delete: 'DELETE',
  Options: 'OPTIONS',
  Head: 'HEAD',
  All: '*',
};
const ROLE_DECORATORS = /^(Roles?|Permissions?|RequirePermissions?|RequireRoles?|Scopes|HasRoles?|Policies|CheckPolicies)$/;
const PUBLIC_DECORATORS = /^(Public|SkipAuth|AllowAnonymous|NoAuth|IsPublic)$/;
const PIPE_TYPES: Record<string, string> = {
  ParseIntPipe: 'integer',
  ParseFloatPipe: 'number',
  ParseBoolPipe: 'boolean',
  ParseUUIDPipe: 'string',
  ParseArrayPipe: 'array',
  ParseEnumPipe: 'string',
};
const VALIDATOR_TYPES: Record<string, string> = {
  IsString: 'string',
  IsEmail: 'string',
  IsUUID: 'string',
  IsUrl: 'string',
  IsDateString: 'string',
  IsISO8601: 'string',
  IsEnum: 'string',
  IsInt: 'integer',
  IsNumber: 'number',
  IsPositive: 'number',
  IsBoolean: 'boolean',
  IsArray: 'array',
  IsObject: 'object',
  ValidateNested: 'object',
};

interface GuardItem {
  expr: Node;
  level: NonNullable<Guard['level']>;
}

/** A route selector of `forRoutes(...)` / `exclude(...)`: a controller class, or a path (with `*`) and maybe a method. */
type RouteSelector = { controller: ClassDeclaration } | { path: RegExp; method?: string };

/** `consumer.apply(AuthMiddleware).exclude(...).forRoutes(...)` in a module's `configure(consumer)`. */
interface ModuleMiddleware {
  middleware: Node[];
  routes: RouteSelector[];
  excluded: RouteSelector[];
}

export const nestjsExtractor: Extractor = {
  name: 'nestjs',
  language: 'javascript',
  entryPoint: /\bNestFactory\.create\(|@Controller\(/,
  detect(project: SourceProject): boolean {
    return detectDependency(project, ['@nestjs/core', '@nestjs/common']);
  },
  extract(context: ExtractorContext): EndpointFacts[] {
    try {
      return new NestReader(context).run();
    } catch (error) {
      context.warn({
        file: context.project.files[0] ?? '.',
        line: 1,
        message: `nestjs extraction failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      return [];
    }
  },
};

/** Exceptions thrown in handlers, services and guards. */
const nestDialect: Dialect = {
  parts: { params: 'path', query: 'query', body: 'body', headers: 'header', cookies: 'cookie' },
  headerGetters: ['get', 'header'],
  outcomes(node, env, add, scanner) {
    if (Node.isThrowStatement(node)) {
      const n = scanner.thrownStatus(node.getExpression(), env);
      if (n !== undefined) add(n, node);
      else {
        const e = unwrap(node.getExpression());
        if (Node.isNewExpression(e) && /Exception$/.test(e.getExpression().getText()))
          scanner.code.warn(node, `cannot tell the status of ${truncate(e.getText())}; that outcome is left out`);
      }
    }
  },
};

class NestReader {
  private readonly code: JsCodebase;
  private readonly scanner: FactScanner;
  private prefix = '';
  private readonly appGuards: GuardItem[] = [];
  private readonly moduleMiddleware: ModuleMiddleware[] = [];
  private globalValidation: Node | undefined;

  constructor(context: ExtractorContext) {
    this.code = new JsCodebase(context);
    this.scanner = new FactScanner(this.code);
  }

  run(): EndpointFacts[] {
    this.collectGlobals();
    const out: EndpointFacts[] = [];
    const seen = new Set<string>();
    for (const sf of this.code.files.values()) {
      for (const cls of sf.getDescendantsOfKind(SyntaxKind.ClassDeclaration)) {
        const ctrl = cls.getDecorator('Controller');
        if (!ctrl) continue;
        const ctrlPaths = this.decoratorPaths(ctrl);
        if (!ctrlPaths) continue;
        for (const method of cls.getMethods()) {
          for (const dec of method.getDecorators()) {
            const httpMethod = HTTP_DECORATORS[dec.getName()];
            if (!httpMethod) continue;
            const methodPaths = this.decoratorPaths(dec);
            if (!methodPaths) continue;
            for (const cp of ctrlPaths) {
              for (const mp of methodPaths) {
                const t = templatePaths(joinPaths(this.prefix, cp, mp));
                if ('problem' in t) {
                  this.code.warn(dec, `cannot resolve route path statically: ${t.problem}`);
                  continue;
                }
                for (const opt of t.optional) this.code.warn(dec, `optional path parameter ${opt}: listed as two routes, without and with the parameter`);
                for (const p of t.paths) {
                  const key = `${httpMethod} ${p}`;
                  if (seen.has(key)) {
                    this.code.warn(dec, `duplicate route ${key}: the first registration answers, this one is left out`);
                    continue;
                  }
                  seen.add(key);
                  try {
                    out.push(this.describe(cls, method, dec, httpMethod, p));
                  } catch (error) {
                    this.code.warn(dec, `could not read the facts of ${key}: ${error instanceof Error ? error.message : String(error)}`);
                  }
                }
              }
            }
          }
        }
      }
    }
    return sortEndpoints(out);
  }

  // ---- globals

  private collectGlobals(): void {
    for (const call of this.code.calls()) {
      if (!Node.isCallExpression(call)) continue;
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee)) continue;
      const name = callee.getName();
      const args = call.getArguments();
      if (name === 'setGlobalPrefix' && args[0]) {
        const v = this.code.str(args[0]);
        if (v === undefined)
          this.code.warn(args[0], `cannot resolve route path statically: global prefix ${truncate(args[0].getText())}; routes are listed without it`);
        else this.prefix = v;
        if (args[1]) this.code.warn(args[1], 'global prefix options (exclude) are not applied; every route is listed under the prefix');
      } else if (name === 'useGlobalGuards') {
        for (const a of args) this.appGuards.push({ expr: a, level: 'app' });
      } else if (name === 'useGlobalPipes') {
        for (const a of args) if (/ValidationPipe/.test(a.getText())) this.globalValidation = a;
      } else if (name === 'register' || name === 'forRoutes') {
        if (callee.getExpression().getText() === 'RouterModule')
          this.code.warn(call, 'RouterModule paths are not applied; routes of its modules are listed without them');
      }
    }
    this.collectModuleMiddleware();
    // providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }]
    for (const sf of this.code.files.values()) {
      for (const obj of sf.getDescendantsOfKind(SyntaxKind.ObjectLiteralExpression)) {
        const provide = this.code.objectMember(obj, 'provide');
        const use = this.code.objectMember(obj, 'useClass') ?? this.code.objectMember(obj, 'useValue');
        if (!provide || !use) continue;
        if (provide.getText() === 'APP_GUARD') this.appGuards.push({ expr: use, level: 'app' });
        if (provide.getText() === 'APP_PIPE' && /ValidationPipe/.test(use.getText())) this.globalValidation = use;
      }
    }
  }

  /**
   * Middleware a module applies in `configure(consumer)`: each `consumer.apply(...)` chain with the
   * routes its `forRoutes(...)` names (controllers, paths with `*`, `{ path, method }`) less those
   * its `exclude(...)` names.
   */
  private collectModuleMiddleware(): void {
    for (const call of this.code.calls()) {
      if (!Node.isCallExpression(call)) continue;
      const callee = call.getExpression();
      if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'forRoutes') continue;
      const entry: ModuleMiddleware = { middleware: [], routes: this.selectors(call.getArguments()), excluded: [] };
      for (let link: Node = callee.getExpression(); Node.isCallExpression(link);) {
        const inner = link.getExpression();
        if (!Node.isPropertyAccessExpression(inner)) break;
        if (inner.getName() === 'exclude') entry.excluded.push(...this.selectors(link.getArguments()));
        if (inner.getName() === 'apply') entry.middleware.push(...link.getArguments());
        link = inner.getExpression();
      }
      if (entry.middleware.length > 0) this.moduleMiddleware.push(entry);
    }
  }

  private selectors(args: Node[]): RouteSelector[] {
    const out: RouteSelector[] = [];
    for (const a of args) {
      const cls = this.code.cls(a);
      if (cls?.getDecorator('Controller')) {
        out.push({ controller: cls });
        continue;
      }
      const obj = this.code.obj(a);
      const pathNode = obj ? this.code.objectMember(obj, 'path') : a;
      const path = pathNode ? this.code.str(pathNode) : undefined;
      if (path === undefined) {
        this.code.warn(a, `cannot read the middleware route ${truncate(a.getText())}; it is not applied`);
        continue;
      }
      const methodNode = obj ? this.code.objectMember(obj, 'method') : undefined;
      const method = methodNode ? /RequestMethod\.(\w+)/.exec(methodNode.getText())?.[1] : undefined;
      out.push({ path: nestPathPattern(path), ...(method && method !== 'ALL' && { method }) });
    }
    return out;
  }

  /** Whether a module middleware chain applies to a route of `cls` at `path` (with and without the global prefix). */
  private middlewareApplies(entry: ModuleMiddleware, cls: ClassDeclaration, method: string, path: string): boolean {
    const bare = path.replace(new RegExp(`^/?${this.prefix.replace(/^\/|\/$/g, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$)`), '');
    const matches = (sel: RouteSelector) =>
      'controller' in sel
        ? sel.controller === cls
        : (!sel.method || sel.method === method) && (sel.path.test(trimSlashes(path)) || sel.path.test(trimSlashes(bare)));
    return entry.routes.some(matches) && !entry.excluded.some(matches);
  }

  /** The paths of `@Controller(...)` / `@Get(...)`: none is '', a string, a list, `{ path }`. */
  private decoratorPaths(dec: Decorator): string[] | undefined {
    const arg = dec.getArguments()[0];
    if (!arg) return [''];
    let target: Node = unwrap(arg);
    const obj = Node.isObjectLiteralExpression(target) ? target : undefined;
    if (obj) {
      const p = this.code.objectMember(obj, 'path');
      if (!p) return [''];
      target = unwrap(p);
    }
    const items = Node.isArrayLiteralExpression(target) ? target.getElements() : [target];
    const out: string[] = [];
    for (const item of items) {
      const v = this.code.str(item);
      if (v === undefined) {
        this.code.warn(item, `cannot resolve route path statically: ${truncate(item.getText())}`);
        return undefined;
      }
      out.push(v);
    }
    return out;
  }

  // ---- one route

  private describe(cls: ClassDeclaration, method: MethodDeclaration, dec: Decorator, httpMethod: EndpointFacts['method'], fullPath: string): EndpointFacts {
    const facts: Facts = newFacts();
    const decorators = [
      ...cls.getDecorators().map((d) => ({ d, level: 'controller' as const })),
      ...method.getDecorators().map((d) => ({ d, level: 'handler' as const })),
    ];
    const isPublic = decorators.some(({ d }) => PUBLIC_DECORATORS.test(d.getName()));
    const guardItems: GuardItem[] = [...this.appGuards];
    let validation: Node | undefined = this.globalValidation;
    const roles: Guard[] = [];
    for (const { d, level } of decorators) {
      const name = d.getName();
      if (name === 'UseGuards') for (const a of d.getArguments()) guardItems.push({ expr: a, level });
      else if (ROLE_DECORATORS.test(name))
        roles.push({ kind: 'authz', text: `@${d.getText().slice(1).replace(/\s+/g, ' ')}`, level, evidence: this.code.at(d) });
      else if (name === 'UsePipes' && d.getArguments().some((a) => /ValidationPipe/.test(a.getText()))) validation = d;
    }
    const guards: Guard[] = [];
    if (this.globalValidation && validation === this.globalValidation)
      guards.push({ kind: 'validation', text: truncate(this.globalValidation.getText()), level: 'app', evidence: this.code.at(this.globalValidation) });
    for (const entry of this.moduleMiddleware) {
      if (!this.middlewareApplies(entry, cls, httpMethod, fullPath)) continue;
      for (const mw of entry.middleware) {
        // A middleware class: its use() is what runs.
        const use = this.code.cls(mw)?.getMethod('use');
        // A middleware whose name says nothing is auth when its use() reads the request's credentials.
        const readsCredentials = use !== undefined && /headers\.authorization|\bbearer\b|\bjwt\b|\.cookies\b/i.test(use.getText());
        const required = readsCredentials ? middlewareAuthRequired('', use) : undefined;
        const g =
          guardOf(this.code, mw, 'router', use) ??
          (readsCredentials
            ? { kind: 'auth' as const, text: mw.getText(), level: 'router' as const, ...(required !== undefined && { required }), evidence: this.code.at(mw) }
            : undefined);
        if (g) guards.push(g);
        if (use) this.scanner.scanFunction(use, facts, nestDialect, 'middleware', { ctx: [], reply: [] });
      }
    }
    for (const item of guardItems) {
      const g = guardOf(this.code, item.expr, item.level) ?? {
        kind: 'other' as const,
        text: item.expr.getText().replace(/\s+/g, ' '),
        level: item.level,
        evidence: this.code.at(item.expr),
      };
      if (isPublic && g.kind === 'auth' && item.level !== 'handler') continue;
      guards.push(g);
      this.guardOutcomes(item.expr, facts);
    }
    guards.push(...roles);
    if (validation && validation !== this.globalValidation) {
      const level = decorators.find(({ d }) => d === validation)?.level ?? 'handler';
      guards.push({ kind: 'validation', text: truncate(validation.getText()), level, evidence: this.code.at(validation) });
    }

    // params
    const declared: Param[] = [];
    const reqNames: string[] = [];
    const validated: string[] = [];
    for (const param of method.getParameters()) {
      for (const pd of param.getDecorators()) {
        const pname = pd.getName();
        const args = pd.getArguments();
        const key = args[0] ? this.code.str(args[0]) : undefined;
        const pipes = args.slice(key === undefined ? 0 : 1);
        const pipeValidation = pipes.find((p) => /ValidationPipe/.test(p.getText()));
        const where: Param['in'] | undefined = { Param: 'path', Query: 'query', Body: 'body', Headers: 'header' }[pname] as Param['in'] | undefined;
        if (pname === 'Req' || pname === 'Request') reqNames.push(param.getName());
        if (!where) continue;
        if (key !== undefined) {
          const p: Param = { name: key, in: where };
          const pipeType = pipes
            .map(
              (x) =>
                PIPE_TYPES[
                  unwrap(x)
                    .getText()
                    .replace(/^new\s+/, '')
                    .replace(/\(.*$/s, '')
                ],
            )
            .find((t) => t !== undefined);
          const type = pipeType ?? tsType(param.getTypeNode()?.getText());
          if (type) p.type = type;
          if (where === 'path') p.required = true;
          else if (where === 'body' || where === 'query') {
            if (param.hasQuestionToken()) p.required = false;
          }
          if (pipeType) {
            const pipeName = pipes.map((x) => unwrap(x).getText()).join(', ');
            p.validations = [pipeName];
            this.scanner.addOutcome(400, pd, envAt(pd), facts, undefined, `${key} fails ${pipeName}`);
          }
          p.evidence = this.code.at(pd);
          declared.push(p);
        } else if (where === 'body' || where === 'query') {
          const dto = this.dtoClass(param.getTypeNode());
          if (!dto) continue;
          const props = this.dtoParams(dto.cls, where, dto.partial, new Set());
          declared.push(...props);
          if ((validation || pipeValidation) && props.some((p) => (p.validations ?? []).length > 0)) validated.push(`${where} (${dto.cls.getName() ?? 'dto'})`);
          if (pipeValidation && !validation)
            guards.push({ kind: 'validation', text: truncate(pipeValidation.getText()), level: 'handler', evidence: this.code.at(pipeValidation) });
        }
      }
    }
    for (const v of validated) this.scanner.addOutcome(400, method.getNameNode(), envAt(method), facts, undefined, `the ${v} fails validation`);

    // the handler and what it calls
    this.scanner.scanFunction(method, facts, nestDialect, 'handler', { ctx: reqNames, reply: [] });

    // success
    const httpCode = method.getDecorator('HttpCode');
    const redirect = method.getDecorator('Redirect');
    let success = httpMethod === 'POST' ? 201 : 200;
    let at: Node = dec;
    if (httpCode) {
      const n = httpCode.getArguments()[0] ? this.code.num(httpCode.getArguments()[0]!) : undefined;
      if (n === undefined) this.code.warn(httpCode, `response status (${truncate(httpCode.getText())}) is not a literal; the default is listed`);
      else {
        success = n;
        at = httpCode;
      }
    } else if (redirect) {
      const a = redirect.getArguments()[1];
      success = (a ? this.code.num(a) : undefined) ?? 302;
      at = redirect;
    }
    this.scanner.addOutcome(success, at, envAt(at), facts);

    return buildEndpoint({
      method: httpMethod,
      path: fullPath,
      framework: 'nestjs',
      handler: method,
      pathAt: dec,
      facts,
      guards,
      declared,
      scanner: this.scanner,
    });
  }

  /** What a guard answers: 401 for passport's `AuthGuard(...)`, what a project guard's `canActivate` throws, 403 for `return false`. */
  private guardOutcomes(expr: Node, facts: Facts): void {
    const e = unwrap(expr);
    const passport = (n: Node) => Node.isCallExpression(n) && n.getExpression().getText() === 'AuthGuard';
    if (passport(e)) {
      this.scanner.addOutcome(401, expr, envAt(expr), facts, undefined, `${e.getText()} rejects the request`);
      return;
    }
    const cls = this.code.cls(Node.isNewExpression(e) ? e.getExpression() : e);
    if (!cls) {
      // @nestjs/throttler's guard answers 429 when the limit is hit
      if (/^(new\s+)?ThrottlerGuard\b/.test(e.getText()))
        this.scanner.addOutcome(429, expr, envAt(expr), facts, undefined, 'ThrottlerGuard: too many requests');
      return;
    }
    const base = cls.getExtends()?.getExpression();
    if (base && passport(base)) this.scanner.addOutcome(401, expr, envAt(expr), facts, undefined, `${base.getText()} rejects the request`);
    const can = cls.getMethod('canActivate');
    if (!can) return;
    this.scanner.scanFunction(can, facts, nestDialect, 'middleware', { ctx: [], reply: [] });
    for (const ret of can.getDescendantsOfKind(SyntaxKind.ReturnStatement)) {
      if (enclosingFunction(ret) !== can || ret.getExpression()?.getKind() !== SyntaxKind.FalseKeyword) continue;
      const env = envAt(can);
      env.fn = can;
      this.scanner.addOutcome(403, ret, env, facts);
    }
  }

  /** The DTO class of a parameter type (`CreateUserDto`), and whether it is wrapped in `PartialType`. */
  private dtoClass(typeNode: Node | undefined): { cls: ClassDeclaration; partial: boolean } | undefined {
    if (!typeNode || !Node.isTypeReference(typeNode)) return undefined;
    const cls = this.code.decls(typeNode.getTypeName()).find((d): d is ClassDeclaration => Node.isClassDeclaration(d));
    return cls ? { cls, partial: false } : undefined;
  }

  private dtoParams(cls: ClassDeclaration, where: Param['in'], partial: boolean, seen: Set<ClassDeclaration>): Param[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    const out: Param[] = [];
    const ext = cls.getExtends()?.getExpression();
    if (ext) {
      const e = unwrap(ext);
      if (Node.isCallExpression(e) && /^(PartialType|PickType|OmitType|IntersectionType)$/.test(e.getExpression().getText())) {
        const inner = e.getArguments()[0];
        const base = inner ? this.code.cls(inner) : undefined;
        if (base) out.push(...this.dtoParams(base, where, partial || e.getExpression().getText() === 'PartialType', seen));
      } else {
        const base = this.code.cls(e);
        if (base) out.push(...this.dtoParams(base, where, partial, seen));
      }
    }
    for (const prop of cls.getProperties()) {
      if (prop.isStatic()) continue;
      const decs = prop.getDecorators();
      const validations = decs
        .map((d) => d.getText().slice(1).replace(/\s+/g, ' '))
        .filter((t) => !/^(ApiProperty|ApiPropertyOptional|Type|Expose|Exclude)\b/.test(t));
      const optional = partial || prop.hasQuestionToken() || decs.some((d) => d.getName() === 'IsOptional' || d.getName() === 'ApiPropertyOptional');
      const type = decs.map((d) => VALIDATOR_TYPES[d.getName()]).find((t) => t !== undefined) ?? tsType(prop.getTypeNode()?.getText());
      const p: Param = { name: prop.getName(), in: where };
      if (type) p.type = type;
      p.required = !optional;
      const rules = validations.filter((v) => !/^IsOptional\b/.test(v));
      if (rules.length > 0) p.validations = rules;
      p.evidence = this.code.at(prop);
      const existing = out.findIndex((x) => x.name === p.name);
      if (existing >= 0) out.splice(existing, 1);
      out.push(p);
    }
    return out;
  }
}

function tsType(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (text === 'number' || text === 'string' || text === 'boolean') return text;
  if (/\[\]$|^Array</.test(text)) return 'array';
  return undefined;
}

/** An environment for facts declared on the route itself (decorators, pipes). */
function envAt(node: Node): Env {
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

/** A `forRoutes('cats/*')` path as a pattern over route paths without their leading and trailing slashes. */
function nestPathPattern(path: string): RegExp {
  const body = trimSlashes(path)
    .split(/(\(\.\*\)|\*|:\w+)/)
    .map((part) => (part === '(.*)' || part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

function trimSlashes(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'p').replace(/^\/+|\/+$/g, '');
}
