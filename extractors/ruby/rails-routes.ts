/**
 * `config/routes.rb` read as the routing DSL it is: an interpreter over the tree that keeps a
 * stack of scopes (path prefix, controller module, current resource) and emits one route per
 * method and path. Anything it cannot resolve statically is warned about, never guessed.
 */
import type { HttpMethod } from '../../src/spec/schema.js';
import type { ExtractorContext } from '../types.js';
import { statusOf } from './analysis.js';
import {
  args,
  blockOf,
  callName,
  constantName,
  expandOptional,
  joinKeepingOptional as joinPath,
  line,
  literal,
  nameList,
  type Node,
  oneLine,
  options,
  pluralize,
  receiver,
  type RubyFile,
  singularize,
  statements,
  stringValue,
} from './tree.js';

export interface RailsRoute {
  method: HttpMethod | '*';
  path: string;
  /** `api/users`, relative to app/controllers; undefined for redirects and Rack apps. */
  controller?: string;
  action?: string;
  file: string;
  node: Node;
  redirect?: { target: string; status: number };
  /** A Rack endpoint (`to: SomeApp`): nothing to read behind it. */
  rack?: string;
  /** `new`/`edit` of `resources`: kept only when the controller defines the action. */
  optional?: boolean;
  /** Routes of a gem (devise): a missing action is inherited from the gem, not a bug. */
  gem?: string;
  /** The gem's controller module the route belongs to (devise: sessions, passwords, registrations). */
  gemModule?: string;
}

interface Resource {
  controller: string;
  collectionPath: string;
  memberPath: string;
  /** Where nested routes go: `/users/{user_id}` (a singular resource: its own path). */
  nestedPath: string;
}

interface RouteScope {
  path: string;
  module: string;
  controller?: string;
  resource?: Resource;
  /** Inside `member do`, `collection do`, or directly in a resources block. */
  mode?: 'member' | 'collection' | 'nested';
}

const VERBS: Record<string, HttpMethod> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', options: 'OPTIONS', head: 'HEAD' };

export const ROUTE_PATH_WARNING = 'cannot resolve route path statically';

export function isRoutesFile(file: RubyFile): boolean {
  return /(^|\/)config\/routes\.rb$/.test(file.file) && drawBlocks(file).length > 0;
}

function drawBlocks(file: RubyFile): Node[] {
  const out: Node[] = [];
  for (const stmt of file.root.namedChildren) {
    if (stmt.type !== 'call' || callName(stmt) !== 'draw') continue;
    const r = receiver(stmt);
    if (!r || !/routes$/.test(r.text)) continue;
    const block = blockOf(stmt);
    if (block) out.push(block);
  }
  return out;
}

export function readRoutes(files: readonly RubyFile[], context: ExtractorContext): RailsRoute[] {
  const routes: RailsRoute[] = [];
  const byPath = new Map(files.map((f) => [f.file, f]));
  const concerns = new Map<string, { file: string; block: Node }>();
  const warn = (file: string, node: Node, message: string) => context.warn({ file, line: line(node), message });

  const verbRoute = (file: string, call: Node, methods: Array<HttpMethod | '*'>, scope: RouteScope) => {
    const opts = options(call);
    const positional = args(call);
    let pathNode: Node | undefined = positional[0];
    let to: Node | undefined = opts.get('to');
    // get 'old' => 'c#a' / get '/old' => redirect('/new'): a hash argument keyed by the path.
    const list = call.childForFieldName('arguments');
    const firstPair = list?.namedChildren.find((n) => n.type === 'pair' && n.childForFieldName('key')?.type !== 'hash_key_symbol');
    if (!pathNode && firstPair) {
      pathNode = firstPair.childForFieldName('key') ?? undefined;
      to = firstPair.childForFieldName('value') ?? undefined;
    }
    const on = stringValue(opts.get('on'));
    let base = scope.path;
    let controller = scope.controller;
    if (scope.resource) {
      controller = scope.resource.controller;
      const mode = on ?? scope.mode ?? 'nested';
      base = mode === 'member' ? scope.resource.memberPath : mode === 'collection' ? scope.resource.collectionPath : scope.resource.nestedPath;
    }
    let segment = '';
    let action: string | undefined;
    if (pathNode) {
      const value = literal(pathNode);
      if (typeof value !== 'string') {
        warn(file, call, ROUTE_PATH_WARNING);
        return;
      }
      segment = stringValue(opts.get('path')) ?? value;
      if (pathNode.type === 'simple_symbol' || scope.resource) action = value.replace(/^\//, '');
      else if (scope.controller)
        action = value
          .replace(/^\//, '')
          .split('/')
          .filter((s) => s && !/^[:*(]/.test(s))
          .pop();
    } else if (callName(call) !== 'root') {
      warn(file, call, ROUTE_PATH_WARNING);
      return;
    }
    const path = joinPath(base, segment);
    const explicitController = stringValue(opts.get('controller'));
    const explicitAction = stringValue(opts.get('action'));
    if (explicitController) controller = prefixModule(scope.module, explicitController);
    if (explicitAction) action = explicitAction;
    if (to) {
      if (to.type === 'call' && callName(to) === 'redirect' && !receiver(to)) {
        const target = stringValue(args(to)[0]);
        const status = statusOf(options(to).get('status'));
        for (const method of methods) {
          routes.push({ method, path, file, node: call, redirect: { target: target ?? oneLine(args(to)[0]?.text ?? '?'), status: status ?? 301 } });
        }
        if (target === undefined) warn(file, call, 'redirect target is computed; outcome body not literal');
        return;
      }
      const target = stringValue(to);
      if (target === undefined) {
        warn(file, call, `route to a Rack endpoint (${oneLine(to.text)}): behaviour not extracted`);
        for (const method of methods) routes.push({ method, path, file, node: call, rack: oneLine(to.text) });
        return;
      }
      if (target.includes('#')) {
        const [c = '', a = ''] = target.split('#');
        if (c) controller = prefixModule(scope.module, c);
        action = a;
      } else action = target;
    } else if (!controller && pathNode && !explicitAction) {
      // get 'photos/search' → photos#search
      const parts = (stringValue(pathNode) ?? '')
        .replace(/^\//, '')
        .split('/')
        .filter((s) => s && !/^[:*(]/.test(s));
      if (parts.length >= 2) {
        action = parts.pop();
        controller = prefixModule(scope.module, parts.join('/'));
      }
    }
    if (!controller || !action) {
      warn(file, call, 'cannot determine the controller and action of this route');
      return;
    }
    for (const method of methods) routes.push({ method, path, controller, action, file, node: call });
  };

  const resources = (file: string, call: Node, scope: RouteScope, singular: boolean) => {
    const opts = options(call);
    const names = args(call);
    if (names.length === 0) return;
    for (const nameNode of names) {
      const name = stringValue(nameNode);
      if (name === undefined) {
        warn(file, call, ROUTE_PATH_WARNING);
        continue;
      }
      const segment = stringValue(opts.get('path')) ?? name;
      const controllerName = stringValue(opts.get('controller')) ?? (singular ? pluralize(name) : name);
      const controller = prefixModule(
        stringValue(opts.get('module')) ? `${scope.module ? `${scope.module}/` : ''}${stringValue(opts.get('module'))}` : scope.module,
        controllerName,
      );
      const base = resourceBase(scope);
      const collectionPath = joinPath(base, segment);
      const param = stringValue(opts.get('param')) ?? 'id';
      const memberPath = singular ? collectionPath : joinPath(collectionPath, `{${param}}`);
      const nestedPath = singular ? collectionPath : joinPath(collectionPath, `{${singularize(name)}_${param}}`);
      const resource: Resource = { controller, collectionPath, memberPath, nestedPath };
      const all = singular ? ['create', 'show', 'update', 'destroy', 'new', 'edit'] : ['index', 'create', 'new', 'edit', 'show', 'update', 'destroy'];
      let actions = all;
      const only = nameList(opts.get('only'));
      const except = nameList(opts.get('except'));
      if (opts.has('only') && !only) warn(file, call, 'only: is computed; all actions assumed');
      if (only) actions = all.filter((a) => only.includes(a));
      if (except) actions = actions.filter((a) => !except.includes(a));
      const table: Record<string, Array<[HttpMethod, string]>> = singular
        ? {
            create: [['POST', collectionPath]],
            show: [['GET', collectionPath]],
            update: [
              ['PATCH', collectionPath],
              ['PUT', collectionPath],
            ],
            destroy: [['DELETE', collectionPath]],
            new: [['GET', joinPath(collectionPath, 'new')]],
            edit: [['GET', joinPath(collectionPath, 'edit')]],
          }
        : {
            index: [['GET', collectionPath]],
            create: [['POST', collectionPath]],
            new: [['GET', joinPath(collectionPath, 'new')]],
            edit: [['GET', joinPath(memberPath, 'edit')]],
            show: [['GET', memberPath]],
            update: [
              ['PATCH', memberPath],
              ['PUT', memberPath],
            ],
            destroy: [['DELETE', memberPath]],
          };
      for (const action of actions) {
        for (const [method, path] of table[action] ?? []) {
          const route: RailsRoute = { method, path, controller, action, file, node: call };
          if (action === 'new' || action === 'edit') route.optional = true;
          routes.push(route);
        }
      }
      const inner: RouteScope = { path: collectionPath, module: scope.module, resource, mode: 'nested' };
      for (const concern of nameList(opts.get('concerns')) ?? []) applyConcern(file, call, concern, inner);
      const block = blockOf(call);
      if (block) body(file, block, inner);
    }
  };

  const applyConcern = (file: string, at: Node, name: string, scope: RouteScope) => {
    const concern = concerns.get(name);
    if (!concern) {
      warn(file, at, `route concern :${name} is not defined (before use)`);
      return;
    }
    body(concern.file, concern.block, scope);
  };

  const devise = (file: string, call: Node, scope: RouteScope) => {
    const opts = options(call);
    for (const nameNode of args(call)) {
      const name = stringValue(nameNode);
      if (name === undefined) {
        warn(file, call, ROUTE_PATH_WARNING);
        continue;
      }
      const base = joinPath(scope.path, stringValue(opts.get('path')) ?? name);
      const custom = literal(opts.get('controllers') ?? call);
      const controllers = custom && typeof custom === 'object' && !Array.isArray(custom) ? custom : {};
      const pathNames = literal(opts.get('path_names') ?? call);
      const names = pathNames && typeof pathNames === 'object' && !Array.isArray(pathNames) ? pathNames : {};
      const segment = (key: string) => (typeof names[key] === 'string' ? (names[key] as string) : key);
      const skip = nameList(opts.get('skip')) ?? [];
      const only = nameList(opts.get('only'));
      const modules: Record<string, Array<[HttpMethod, string, string]>> = {
        sessions: [
          ['GET', segment('sign_in'), 'new'],
          ['POST', segment('sign_in'), 'create'],
          ['DELETE', segment('sign_out'), 'destroy'],
        ],
        passwords: [
          ['GET', `${segment('password')}/new`, 'new'],
          ['GET', `${segment('password')}/edit`, 'edit'],
          ['PATCH', segment('password'), 'update'],
          ['PUT', segment('password'), 'update'],
          ['POST', segment('password'), 'create'],
        ],
        registrations: [
          ['GET', segment('cancel'), 'cancel'],
          ['GET', segment('sign_up'), 'new'],
          ['GET', segment('edit'), 'edit'],
          ['PATCH', '', 'update'],
          ['PUT', '', 'update'],
          ['DELETE', '', 'destroy'],
          ['POST', '', 'create'],
        ],
      };
      for (const [module, table] of Object.entries(modules)) {
        if (skip.includes(module) || (only && !only.includes(module))) continue;
        const controller = typeof controllers[module] === 'string' ? (controllers[module] as string) : `devise/${module}`;
        for (const [method, seg, action] of table)
          routes.push({ method, path: joinPath(base, seg), controller, action, file, node: call, gem: 'devise', gemModule: module });
      }
    }
  };

  const body = (file: string, block: Node, scope: RouteScope) => {
    for (const stmt of statements(block)) statement(file, stmt, scope);
  };

  const statement = (file: string, stmt: Node, scope: RouteScope): void => {
    if (stmt.type === 'if' || stmt.type === 'unless') {
      for (const part of [stmt.childForFieldName('consequence'), stmt.childForFieldName('alternative')]) if (part) body(file, part, scope);
      return;
    }
    if (stmt.type === 'if_modifier' || stmt.type === 'unless_modifier') {
      const inner = stmt.childForFieldName('body');
      if (inner) statement(file, inner, scope);
      return;
    }
    if (stmt.type !== 'call' && stmt.type !== 'identifier') return;
    const name = callName(stmt) ?? '';
    const r = stmt.type === 'call' ? receiver(stmt) : undefined;
    const block = blockOf(stmt);
    const opts = options(stmt);
    if (r) {
      if (block) body(file, block, scope);
      return;
    }
    if (VERBS[name]) return verbRoute(file, stmt, [VERBS[name]!], scope);
    switch (name) {
      case 'match': {
        const via = opts.get('via');
        const list = nameList(via);
        if (!list) {
          warn(file, stmt, via ? 'match via: is computed; route skipped' : 'match without via: (Rails requires it); route skipped');
          return;
        }
        const methods = list.includes('all') ? (['*'] as const) : list.map((v) => VERBS[v.toLowerCase()]).filter((m): m is HttpMethod => !!m);
        return verbRoute(file, stmt, [...methods], scope);
      }
      case 'root': {
        const to = opts.get('to') ?? args(stmt)[0];
        const target = stringValue(to);
        if (!target || !target.includes('#')) {
          warn(file, stmt, 'cannot determine the controller and action of this route');
          return;
        }
        const [c = '', a = ''] = target.split('#');
        routes.push({ method: 'GET', path: joinPath(scope.path), controller: prefixModule(scope.module, c), action: a, file, node: stmt });
        return;
      }
      case 'resources':
      case 'resource':
        return resources(file, stmt, scope, name === 'resource');
      case 'namespace': {
        const ns = stringValue(args(stmt)[0]);
        if (ns === undefined) {
          warn(file, stmt, ROUTE_PATH_WARNING);
          return;
        }
        const inner: RouteScope = {
          path: joinPath(resourceBase(scope), stringValue(opts.get('path')) ?? ns),
          module: joinModule(scope.module, stringValue(opts.get('module')) ?? ns),
        };
        if (block) body(file, block, inner);
        return;
      }
      case 'scope': {
        const first = args(stmt)[0];
        const pathValue = first ? stringValue(first) : stringValue(opts.get('path'));
        if ((first || opts.has('path')) && pathValue === undefined) {
          warn(file, stmt, ROUTE_PATH_WARNING);
          return;
        }
        const mod = stringValue(opts.get('module'));
        const ctrl = stringValue(opts.get('controller'));
        const inner: RouteScope = { ...scope, path: joinPath(scope.resource ? resourceBase(scope) : scope.path, pathValue ?? '') };
        if (pathValue !== undefined) delete inner.resource;
        if (mod) inner.module = joinModule(scope.module, mod);
        if (ctrl) inner.controller = prefixModule(inner.module, ctrl);
        if (block) body(file, block, inner);
        return;
      }
      case 'controller': {
        const ctrl = stringValue(args(stmt)[0]);
        if (ctrl === undefined) return;
        if (block) body(file, block, { ...scope, controller: prefixModule(scope.module, ctrl) });
        return;
      }
      case 'member':
      case 'collection': {
        if (!scope.resource) {
          warn(file, stmt, `${name} outside resources`);
          return;
        }
        if (block) body(file, block, { ...scope, mode: name });
        return;
      }
      case 'nested':
        if (block) body(file, block, { ...scope, mode: 'nested' });
        return;
      case 'concern': {
        const cname = stringValue(args(stmt)[0]);
        if (cname !== undefined && block) concerns.set(cname, { file, block });
        return;
      }
      case 'concerns':
        for (const c of args(stmt)) {
          const cname = stringValue(c);
          if (cname !== undefined) applyConcern(file, stmt, cname, scope);
        }
        return;
      case 'devise_for':
        return devise(file, stmt, scope);
      case 'draw': {
        const part = stringValue(args(stmt)[0]);
        const target = part === undefined ? undefined : byPath.get(`${file.replace(/routes\.rb$/, '')}routes/${part}.rb`);
        if (!target) {
          warn(file, stmt, `cannot find the routes file drawn here`);
          return;
        }
        body(target.file, target.root, scope);
        return;
      }
      case 'mount': {
        const list = stmt.childForFieldName('arguments');
        const pair = list?.namedChildren.find((n) => n.type === 'pair' && n.childForFieldName('key')?.type !== 'hash_key_symbol');
        const app = pair ? pair.childForFieldName('key') : args(stmt)[0];
        const at = pair ? stringValue(pair.childForFieldName('value') ?? undefined) : stringValue(opts.get('at'));
        warn(
          file,
          stmt,
          `mounted app ${constantName(app) ?? oneLine(app?.text ?? '?')}${at ? ` at ${joinPath(scope.path, at)}` : ''}: its routes are not extracted`,
        );
        return;
      }
      default:
        // constraints, defaults, devise_scope, authenticated, with_options, ...: their routes
        // are routes all the same.
        if (block) body(file, block, scope);
    }
  };

  for (const f of files) {
    if (!isRoutesFile(f)) continue;
    for (const block of drawBlocks(f)) body(f.file, block, { path: '', module: '' });
  }
  // An optional segment (`get 'posts(/page/:page)'`, `scope '(:locale)'`) is a route with it and one without.
  return routes.flatMap((route) => {
    const paths = expandOptional(route.path);
    if (paths.length > 1) warn(route.file, route.node, `optional segment in ${route.path}: listed as ${paths.length} routes, ${paths.join(', ')}`);
    return paths.map((path) => ({ ...route, path }));
  });
}

/** Routes nested inside a resource go below its `/{resource_id}`. */
function resourceBase(scope: RouteScope): string {
  return scope.resource ? scope.resource.nestedPath : scope.path;
}

function joinModule(a: string, b: string): string {
  return [a, b].filter(Boolean).join('/');
}

function prefixModule(module: string, controller: string): string {
  if (controller.startsWith('/')) return controller.slice(1);
  return joinModule(module, controller);
}
