/**
 * A per-project index over the parsed Go files: functions and methods (for resolving handlers
 * and the helpers they call), struct types (for request bodies and volatile fields), string
 * constants (for route paths and SQL held in constants) and the module path from go.mod (for
 * resolving imports of the project's own packages).
 */
import type { SourceProject } from '../types.js';
import { dirOf, parseGoFile, stringValue, type GoFile, type Node } from './tree.js';

export interface FuncDecl {
  file: GoFile;
  /** function_declaration or method_declaration. */
  node: Node;
  name: string;
  receiverType?: string;
  /** The bare name of the first result type, `*handlers.UserHandler` → `UserHandler`. */
  resultType?: string;
}

export interface FieldDecl {
  name: string;
  type: Node;
  tag?: string;
  node: Node;
}

export interface StructDecl {
  file: GoFile;
  name: string;
  fields: FieldDecl[];
}

export interface GoIndex {
  project: SourceProject;
  files: GoFile[];
  funcs: FuncDecl[];
  methods: Map<string, FuncDecl[]>;
  structs: Map<string, StructDecl[]>;
  /** `${dir}\0${name}` → the constant's value node (package-level). */
  consts: Map<string, Node>;
  modules: { dir: string; path: string }[];
}

const indexes = new WeakMap<SourceProject, GoIndex>();

export function goFiles(project: SourceProject): string[] {
  return project.files.filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !/(^|\/)vendor\//.test(f));
}

export function indexProject(project: SourceProject): GoIndex {
  const existing = indexes.get(project);
  if (existing) return existing;
  const index: GoIndex = { project, files: [], funcs: [], methods: new Map(), structs: new Map(), consts: new Map(), modules: [] };
  for (const f of project.files) {
    if (f === 'go.mod' || f.endsWith('/go.mod')) {
      try {
        const m = /^module\s+(\S+)/m.exec(project.read(f));
        if (m?.[1]) index.modules.push({ dir: dirOf(f), path: m[1] });
      } catch {
        // unreadable go.mod: imports of the project's packages resolve by name only
      }
    }
  }
  for (const f of goFiles(project)) {
    const file = parseGoFile(project, f);
    if (!file) continue;
    index.files.push(file);
    for (const top of file.root.namedChildren) {
      if (top.type === 'function_declaration' || top.type === 'method_declaration') {
        const name = top.childForFieldName('name')?.text;
        if (!name) continue;
        const decl: FuncDecl = { file, node: top, name };
        const result = resultTypeName(top.childForFieldName('result'));
        if (result) decl.resultType = result;
        if (top.type === 'method_declaration') {
          const recv = top.childForFieldName('receiver')?.namedChildren[0]?.childForFieldName('type');
          const recvName = recv ? typeName(recv) : undefined;
          if (recvName) decl.receiverType = recvName;
          const list = index.methods.get(name) ?? [];
          list.push(decl);
          index.methods.set(name, list);
        }
        index.funcs.push(decl);
      } else if (top.type === 'type_declaration') {
        for (const spec of top.namedChildren) {
          if (spec.type !== 'type_spec') continue;
          const name = spec.childForFieldName('name')?.text;
          const type = spec.childForFieldName('type');
          if (!name || type?.type !== 'struct_type') continue;
          const list = index.structs.get(name) ?? [];
          list.push({ file, name, fields: structFields(type) });
          index.structs.set(name, list);
        }
      } else if (top.type === 'const_declaration' || top.type === 'var_declaration') {
        for (const spec of top.namedChildren) {
          const names = spec.childrenForFieldName('name');
          const values = spec.childForFieldName('value')?.namedChildren ?? [];
          names.forEach((n, i) => {
            const v = values[i];
            if (v && stringValue(v) !== undefined) index.consts.set(`${file.dir}\0${n.text}`, v);
          });
        }
      }
    }
  }
  indexes.set(project, index);
  return index;
}

export function structFields(structType: Node): FieldDecl[] {
  const out: FieldDecl[] = [];
  const list = structType.namedChildren.find((c) => c.type === 'field_declaration_list');
  for (const fd of list?.namedChildren ?? []) {
    if (fd.type !== 'field_declaration') continue;
    const type = fd.childForFieldName('type');
    if (!type) continue;
    const tagNode = fd.childForFieldName('tag');
    const tag = tagNode ? stringValue(tagNode) : undefined;
    for (const n of fd.childrenForFieldName('name')) out.push({ name: n.text, type, node: fd, ...(tag !== undefined && { tag }) });
  }
  return out;
}

/** The bare name of a type node: `*pkg.T` → `T`; undefined for slices, maps, funcs. */
export function typeName(type: Node): string | undefined {
  if (type.type === 'pointer_type') {
    const inner = type.namedChildren[0];
    return inner ? typeName(inner) : undefined;
  }
  if (type.type === 'type_identifier') return type.text;
  if (type.type === 'qualified_type') return type.childForFieldName('name')?.text;
  if (type.type === 'generic_type') {
    const t = type.childForFieldName('type');
    return t ? typeName(t) : undefined;
  }
  return undefined;
}

function resultTypeName(result: Node | null): string | undefined {
  if (!result) return undefined;
  if (result.type === 'parameter_list') {
    const first = result.namedChildren[0]?.childForFieldName('type');
    return first ? typeName(first) : undefined;
  }
  return typeName(result);
}

/** The project directory an import path names, when it is one of the project's own packages. */
export function importDir(index: GoIndex, importPath: string): string | undefined {
  for (const m of index.modules) {
    if (importPath === m.path) return m.dir;
    if (importPath.startsWith(`${m.path}/`)) {
      const rest = importPath.slice(m.path.length + 1);
      return m.dir ? `${m.dir}/${rest}` : rest;
    }
  }
  return undefined;
}

export function findFunction(index: GoIndex, dir: string, name: string): FuncDecl | undefined {
  return index.funcs.find((f) => f.node.type === 'function_declaration' && f.name === name && f.file.dir === dir);
}

/** A package-qualified function `pkg.Name` as seen from `file`. */
export function findPackageFunction(index: GoIndex, file: GoFile, alias: string, name: string): FuncDecl | undefined {
  const path = file.imports.get(alias);
  if (path === undefined) return undefined;
  const dir = importDir(index, path);
  if (dir !== undefined) return findFunction(index, dir, name);
  return undefined;
}

export function findStruct(index: GoIndex, name: string, preferDir?: string): StructDecl | undefined {
  const list = index.structs.get(name);
  if (!list) return undefined;
  return list.find((s) => s.file.dir === preferDir) ?? list[0];
}

/** A string constant visible from `file` by name (same package), or `pkg.Name` of a project package. */
export function constString(index: GoIndex, file: GoFile, expr: Node): string | undefined {
  const direct = stringValue(expr);
  if (direct !== undefined) return direct;
  if (expr.type === 'identifier') {
    const v = index.consts.get(`${file.dir}\0${expr.text}`);
    return v ? stringValue(v) : undefined;
  }
  if (expr.type === 'selector_expression') {
    const operand = expr.childForFieldName('operand');
    const field = expr.childForFieldName('field');
    const path = operand ? file.imports.get(operand.text) : undefined;
    const dir = path !== undefined ? importDir(index, path) : undefined;
    const v = dir !== undefined && field ? index.consts.get(`${dir}\0${field.text}`) : undefined;
    return v ? stringValue(v) : undefined;
  }
  if (expr.type === 'binary_expression' && expr.children[1]?.text === '+') {
    const l = expr.childForFieldName('left');
    const r = expr.childForFieldName('right');
    const a = l ? constString(index, file, l) : undefined;
    const b = r ? constString(index, file, r) : undefined;
    return a !== undefined && b !== undefined ? a + b : undefined;
  }
  if (expr.type === 'parenthesized_expression' && expr.namedChildren[0]) return constString(index, file, expr.namedChildren[0]);
  return undefined;
}

/**
 * Local types inside one function, flow-insensitively: parameters, the receiver, `var x T`,
 * `x := T{}` / `&T{}` / `NewT(...)` (by the constructor's declared result type).
 */
export class TypeEnv {
  private readonly vars = new Map<string, string>();

  constructor(
    readonly index: GoIndex,
    readonly file: GoFile,
    fn: Node,
  ) {
    const addParams = (list: Node | null) => {
      for (const p of list?.namedChildren ?? []) {
        const t = p.childForFieldName('type');
        const tn = t ? typeName(t) : undefined;
        if (tn) for (const n of p.childrenForFieldName('name')) this.vars.set(n.text, tn);
      }
    };
    addParams(fn.childForFieldName('receiver'));
    addParams(fn.childForFieldName('parameters'));
    const body = fn.childForFieldName('body');
    if (!body) return;
    for (const n of body.descendantsOfType(['var_spec', 'short_var_declaration', 'assignment_statement', 'parameter_declaration'])) {
      if (n.type === 'parameter_declaration') {
        const t = n.childForFieldName('type');
        const tn = t ? typeName(t) : undefined;
        if (tn) for (const nm of n.childrenForFieldName('name')) this.vars.set(nm.text, tn);
        continue;
      }
      if (n.type === 'var_spec') {
        const t = n.childForFieldName('type');
        const tn = t ? typeName(t) : undefined;
        const values = n.childForFieldName('value')?.namedChildren ?? [];
        n.childrenForFieldName('name').forEach((nm, i) => {
          const v = values[i];
          const vt = tn ?? (v ? this.typeOf(v) : undefined);
          if (vt) this.vars.set(nm.text, vt);
        });
        continue;
      }
      const left = n.childForFieldName('left')?.namedChildren ?? [];
      const right = n.childForFieldName('right')?.namedChildren ?? [];
      left.forEach((l, i) => {
        if (l.type !== 'identifier' || this.vars.has(l.text)) return;
        const r = right.length === 1 ? right[0] : right[i];
        const t = r && (i === 0 || right.length > 1) ? this.typeOf(r) : undefined;
        if (t) this.vars.set(l.text, t);
      });
    }
  }

  set(name: string, type: string): void {
    this.vars.set(name, type);
  }

  typeOf(expr: Node): string | undefined {
    switch (expr.type) {
      case 'identifier':
        return this.vars.get(expr.text);
      case 'unary_expression':
      case 'parenthesized_expression': {
        const inner = expr.namedChildren[expr.namedChildren.length - 1];
        return inner ? this.typeOf(inner) : undefined;
      }
      case 'composite_literal': {
        const t = expr.childForFieldName('type');
        return t ? typeName(t) : undefined;
      }
      case 'selector_expression': {
        const operand = expr.childForFieldName('operand');
        const field = expr.childForFieldName('field')?.text;
        const ot = operand ? this.typeOf(operand) : undefined;
        if (!ot || !field) return undefined;
        const s = findStruct(this.index, ot);
        const f = s?.fields.find((x) => x.name === field);
        return f ? typeName(f.type) : undefined;
      }
      case 'call_expression':
        return resolveCall(this, expr)?.resultType;
      default:
        return undefined;
    }
  }
}

/** The project function or method a call (or a function value) refers to. */
export function resolveFunctionValue(env: TypeEnv, fn: Node): FuncDecl | undefined {
  const { index, file } = env;
  if (fn.type === 'identifier') return findFunction(index, file.dir, fn.text);
  if (fn.type === 'parenthesized_expression' && fn.namedChildren[0]) return resolveFunctionValue(env, fn.namedChildren[0]);
  if (fn.type !== 'selector_expression') return undefined;
  const operand = fn.childForFieldName('operand');
  const name = fn.childForFieldName('field')?.text;
  if (!operand || !name) return undefined;
  if (operand.type === 'identifier' && file.imports.has(operand.text) && env.typeOf(operand) === undefined) {
    return findPackageFunction(index, file, operand.text, name);
  }
  const candidates = index.methods.get(name);
  if (!candidates?.length) return undefined;
  const t = env.typeOf(operand);
  if (t) {
    const typed = candidates.find((c) => c.receiverType === t);
    if (typed) return typed;
  }
  // A value reached from one of another package's types (`r.URL.Query().Get`, `r.Header.Get` on an
  // *http.Request) is not the project's, whatever the method's name.
  let root: Node | null = operand;
  while (root && root.type !== 'identifier') {
    if (root.type === 'selector_expression') root = root.childForFieldName('operand');
    else if (root.type === 'call_expression') root = root.childForFieldName('function');
    else if (root.type === 'parenthesized_expression') root = root.namedChildren[0] ?? null;
    else root = null;
  }
  const rootType = root ? env.typeOf(root) : undefined;
  const projectType = (name: string) =>
    findStruct(index, name) !== undefined || [...index.methods.values()].some((list) => list.some((c) => c.receiverType === name));
  if (rootType && !projectType(rootType)) return undefined;
  return candidates.length === 1 ? candidates[0] : undefined;
}

export function resolveCall(env: TypeEnv, call: Node): FuncDecl | undefined {
  const fn = call.childForFieldName('function');
  return fn ? resolveFunctionValue(env, fn) : undefined;
}
