/**
 * The shared tree-sitter layer of the Python extractors: one parser, each `.py` file parsed once
 * per project (a WeakMap keyed by the SourceProject, so Flask, Django and FastAPI running over the
 * same project share the trees), module naming and import tables, symbol resolution across
 * modules, and the small node helpers everything else uses.
 */
import type { SourceProject } from '../types.js';
import { at, endLine, firstErrorLine, grammar, line, oneLine, span } from '../tree-sitter.js';

/** The part of tree-sitter's SyntaxNode the Python extractors use. */
export interface Node {
  readonly type: string;
  readonly text: string;
  readonly startPosition: { row: number; column: number };
  readonly endPosition: { row: number; column: number };
  readonly startIndex: number;
  readonly endIndex: number;
  readonly parent: Node | null;
  readonly children: Node[];
  readonly namedChildren: Node[];
  readonly hasError: boolean;
  readonly isMissing: boolean;
  childForFieldName(name: string): Node | null;
  descendantsOfType(type: string | string[]): Node[];
}

const pythonGrammar = grammar<{ readonly rootNode: Node }>('tree-sitter-python');
const getParser = pythonGrammar.parser;

export const parserProblem = pythonGrammar.problem;

/** What a local name was imported as: `from m import n as a` → {module: m, name: n}; `import a.b as c` → {module: a.b}. */
export interface ImportRef {
  module: string;
  name?: string;
  line: number;
}

export interface PyFile {
  file: string;
  /** Dotted module name from the path: `app/api/__init__.py` → `app.api`, `app/views.py` → `app.views`. */
  module: string;
  isPackage: boolean;
  source: string;
  root: Node;
  /** The first syntax error, if tree-sitter found any. */
  errorLine?: number;
  imports: Map<string, ImportRef>;
  /** Top-level `def` (the function_definition node, decorators reachable via its parent). */
  functions: Map<string, Node>;
  classes: Map<string, Node>;
  /** Top-level `name = value`: the value node (the last assignment wins). */
  assignments: Map<string, Node>;
}

const cache = new WeakMap<SourceProject, Map<string, PyFile | null>>();

export function isPython(file: string): boolean {
  return file.endsWith('.py');
}

export function moduleNameOf(file: string): { module: string; isPackage: boolean } {
  const parts = file.replace(/\.py$/, '').split('/');
  const isPackage = parts[parts.length - 1] === '__init__';
  if (isPackage) parts.pop();
  return { module: parts.join('.'), isPackage };
}

/** The parsed file, or null when it cannot be read or parsed (the parser itself is missing). */
export function parsePyFile(project: SourceProject, file: string): PyFile | null {
  let files = cache.get(project);
  if (!files) {
    files = new Map();
    cache.set(project, files);
  }
  if (files.has(file)) return files.get(file) ?? null;
  let result: PyFile | null = null;
  const p = getParser();
  if (p && isPython(file)) {
    try {
      const source = project.read(file);
      const root = p.parse(source).rootNode;
      const { module, isPackage } = moduleNameOf(file);
      result = { file, module, isPackage, source, root, imports: new Map(), functions: new Map(), classes: new Map(), assignments: new Map() };
      if (root.hasError) result.errorLine = firstErrorLine(root);
      readTopLevel(result);
    } catch {
      result = null;
    }
  }
  files.set(file, result);
  return result;
}

function readTopLevel(py: PyFile): void {
  const visitBlock = (statements: Node[]): void => {
    for (const statement of statements) {
      let s = statement;
      if (s.type === 'decorated_definition') s = s.childForFieldName('definition') ?? s;
      if (s.type === 'function_definition') {
        const name = s.childForFieldName('name')?.text;
        if (name) py.functions.set(name, s);
      } else if (s.type === 'class_definition') {
        const name = s.childForFieldName('name')?.text;
        if (name) py.classes.set(name, s);
      } else if (s.type === 'expression_statement') {
        const a = s.namedChildren[0];
        if (a?.type === 'assignment') {
          const left = a.childForFieldName('left');
          const right = a.childForFieldName('right');
          if (left?.type === 'identifier' && right) py.assignments.set(left.text, right);
        }
      } else if (s.type === 'import_statement') {
        for (const n of s.namedChildren) {
          if (n.type === 'dotted_name') {
            const first = n.text.split('.')[0]!;
            py.imports.set(first, { module: first, line: line(s) });
          } else if (n.type === 'aliased_import') {
            const name = n.childForFieldName('name')?.text;
            const alias = n.childForFieldName('alias')?.text;
            if (name && alias) py.imports.set(alias, { module: name, line: line(s) });
          }
        }
      } else if (s.type === 'import_from_statement') {
        const moduleNode = s.childForFieldName('module_name');
        if (!moduleNode) continue;
        const module = absoluteModule(py, moduleNode);
        for (const n of s.namedChildren) {
          if (same(n, moduleNode)) continue;
          if (n.type === 'dotted_name') py.imports.set(n.text, { module, name: n.text, line: line(s) });
          else if (n.type === 'aliased_import') {
            const name = n.childForFieldName('name')?.text;
            const alias = n.childForFieldName('alias')?.text;
            if (name && alias) py.imports.set(alias, { module, name, line: line(s) });
          }
        }
      } else if (s.type === 'if_statement' || s.type === 'try_statement') {
        // `try: import x except ImportError: ...` and `if TYPE_CHECKING:` blocks still bind names.
        for (const b of s.descendantsOfType('block')) if (same(b.parent, s) || same(b.parent?.parent, s)) visitBlock(b.namedChildren);
      }
    }
  };
  visitBlock(py.root.namedChildren);
  // Imports inside functions (`def create_app(): from .api import api_bp`) bind names there; they
  // are recorded too, without overriding a top-level binding.
  const top = new Map(py.imports);
  for (const s of py.root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (same(s.parent, py.root)) continue;
    const saved = new Map(py.imports);
    py.imports.clear();
    visitBlock([s]);
    const found = new Map(py.imports);
    py.imports.clear();
    for (const [k, v] of saved) py.imports.set(k, v);
    for (const [k, v] of found) if (!top.has(k) && !py.imports.has(k)) py.imports.set(k, v);
  }
}

/** `from ..models import X` inside `app/api/views.py` → `app.models`. */
function absoluteModule(py: PyFile, moduleNode: Node): string {
  if (moduleNode.type !== 'relative_import') return moduleNode.text;
  const prefix = moduleNode.namedChildren.find((c) => c.type === 'import_prefix')?.text ?? '.';
  const rest = moduleNode.namedChildren.find((c) => c.type === 'dotted_name')?.text;
  const pkg = py.module.split('.');
  if (!py.isPackage) pkg.pop();
  for (let i = 1; i < prefix.length; i++) pkg.pop();
  if (rest) pkg.push(rest);
  return pkg.filter(Boolean).join('.');
}

/** Every parsed Python file of the project, in file order. */
export function pythonFiles(project: SourceProject): PyFile[] {
  const out: PyFile[] = [];
  for (const f of project.files) {
    if (!isPython(f)) continue;
    const py = parsePyFile(project, f);
    if (py) out.push(py);
  }
  return out;
}

const moduleIndex = new WeakMap<SourceProject, Map<string, string[]>>();

/**
 * The file of a dotted module. Tries the exact name, then a suffix match on segment boundaries
 * (so `mysite.urls` finds `src/mysite/urls.py` and `backend/mysite/urls.py`), shortest path first.
 */
export function resolveModule(project: SourceProject, module: string): PyFile | undefined {
  let index = moduleIndex.get(project);
  if (!index) {
    index = new Map();
    for (const f of project.files) {
      if (!isPython(f)) continue;
      const { module: m } = moduleNameOf(f);
      const parts = m.split('.');
      for (let i = 0; i < parts.length; i++) {
        const key = parts.slice(i).join('.');
        const list = index.get(key) ?? [];
        list.push(f);
        index.set(key, list);
      }
    }
    for (const list of index.values()) list.sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : a > b ? 1 : 0));
    moduleIndex.set(project, index);
  }
  const file = index.get(module)?.[0];
  return file ? (parsePyFile(project, file) ?? undefined) : undefined;
}

export type Symbol =
  | { kind: 'function'; py: PyFile; node: Node }
  | { kind: 'class'; py: PyFile; node: Node }
  | { kind: 'value'; py: PyFile; name: string; node: Node }
  | { kind: 'module'; py: PyFile };

/** What a top-level name of `py` is, following imports (and re-exports) across the project. */
export function resolveName(project: SourceProject, py: PyFile, name: string, depth = 0): Symbol | undefined {
  if (depth > 6) return undefined;
  const fn = py.functions.get(name);
  if (fn) return { kind: 'function', py, node: fn };
  const cls = py.classes.get(name);
  if (cls) return { kind: 'class', py, node: cls };
  const value = py.assignments.get(name);
  if (value) return { kind: 'value', py, name, node: value };
  const ref = py.imports.get(name);
  if (!ref) return undefined;
  if (ref.name === undefined) {
    const target = resolveModule(project, ref.module);
    return target ? { kind: 'module', py: target } : undefined;
  }
  const sub = resolveModule(project, `${ref.module}.${ref.name}`);
  if (sub) return { kind: 'module', py: sub };
  const target = resolveModule(project, ref.module);
  if (!target || target === py) return undefined;
  return resolveName(project, target, ref.name, depth + 1);
}

/** Resolves `name`, `mod.name`, `pkg.mod.name` expressions (identifiers and attributes). */
export function resolveExpr(project: SourceProject, py: PyFile, node: Node): Symbol | undefined {
  if (node.type === 'identifier') return resolveName(project, py, node.text);
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text;
    if (!object || !attr) return undefined;
    const base = resolveExpr(project, py, object);
    if (base?.kind === 'module') {
      return resolveName(project, base.py, attr) ?? moduleSymbol(project, `${base.py.module}.${attr}`);
    }
    if (!base && object.type === 'identifier') {
      // `import app.views` binds `app`; `app.views.f` then names the module `app.views`.
      const ref = py.imports.get(object.text);
      if (ref && ref.name === undefined) return moduleSymbol(project, `${ref.module}.${attr}`);
    }
  }
  return undefined;
}

function moduleSymbol(project: SourceProject, module: string): Symbol | undefined {
  const py = resolveModule(project, module);
  return py ? { kind: 'module', py } : undefined;
}

/** Node objects are not identity-stable across tree-sitter calls: compare by position and type. */
export function same(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

export { at, endLine, line, oneLine, span };

/** The value of a plain (non-f, non-concatenated-with-expressions) string literal, else undefined. */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map((c) => stringValue(c));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  const start = node.namedChildren.find((c) => c.type === 'string_start')?.text ?? '"';
  const raw = /r/i.test(start);
  const content = node.namedChildren
    .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence')
    .map((c) => c.text)
    .join('');
  if (raw) return content;
  return content.replace(/\\(["'\\nt])/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}

/** A string literal's text with `{expr}` kept for f-string interpolations (for SQL, URLs, cache keys). */
export function stringTemplate(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'concatenated_string') {
    const parts = node.namedChildren.map((c) => stringTemplate(c));
    return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
  }
  if (node.type !== 'string') return undefined;
  return node.namedChildren
    .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence' || c.type === 'interpolation')
    .map((c) => c.text)
    .join('');
}

/** Positional arguments of a call. */
export function positional(call: Node): Node[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (n) => n.type !== 'keyword_argument' && n.type !== 'comment' && n.type !== 'list_splat' && n.type !== 'dictionary_splat',
  );
}

/** The value of keyword argument `name` of a call. */
export function keyword(call: Node, name: string): Node | undefined {
  for (const n of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (n.type === 'keyword_argument' && n.childForFieldName('name')?.text === name) return n.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

/** The text of a call's callee: `app.route`, `abort`, `Model.objects.create`. */
export function calleeText(call: Node): string {
  return call.childForFieldName('function')?.text ?? '';
}

/** The last name of a callee: `route` for `app.route(...)`. */
export function calleeName(call: Node): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  if (fn.type === 'identifier') return fn.text;
  if (fn.type === 'attribute') return fn.childForFieldName('attribute')?.text ?? '';
  return '';
}

/** Every node under `node` (itself included), depth first, in source order. */
export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const c of node.namedChildren) yield* walk(c);
}

/** The decorators of a function or class definition (outermost first). */
export function decoratorsOf(def: Node): Node[] {
  const parent = def.parent;
  if (parent?.type !== 'decorated_definition') return [];
  return parent.namedChildren.filter((c) => c.type === 'decorator');
}

/** The expression of a decorator, without the `@`. */
export function decoratorExpr(decorator: Node): Node | undefined {
  return decorator.namedChildren.find((c) => c.type !== 'comment');
}

/** The span of a definition including its decorators. */
export function definitionNode(def: Node): Node {
  return def.parent?.type === 'decorated_definition' ? def.parent : def;
}

/** Methods defined directly in a class body, by name. */
export function methodsOf(cls: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const s of cls.childForFieldName('body')?.namedChildren ?? []) {
    const d = s.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    if (d?.type === 'function_definition') {
      const name = d.childForFieldName('name')?.text;
      if (name) out.set(name, d);
    }
  }
  return out;
}

/** Class-level `name = value` assignments, by name. */
export function classAttributes(cls: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const s of cls.childForFieldName('body')?.namedChildren ?? []) {
    const a = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type === 'identifier' && right) out.set(left.text, right);
  }
  return out;
}

/** Superclass expressions of a class. */
export function basesOf(cls: Node): Node[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((n) => n.type !== 'keyword_argument' && n.type !== 'comment');
}

/** The last name of a (possibly dotted) expression: `generics.ListAPIView` → `ListAPIView`. */
export function lastName(node: Node): string {
  return node.text.split('.').pop() ?? node.text;
}

/** The enclosing function_definition of a node, if any. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'function_definition') return n;
  return undefined;
}

/** The enclosing class_definition of a function, if it is a method. */
export function enclosingClass(def: Node): Node | undefined {
  let n = def.parent;
  if (n?.type === 'decorated_definition') n = n.parent;
  if (n?.type === 'block') n = n.parent;
  return n?.type === 'class_definition' ? n : undefined;
}

/** String values of a list/tuple of string literals; undefined when any element is not literal. */
export function stringList(node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.type !== 'list' && node.type !== 'tuple' && node.type !== 'set') {
    const s = stringValue(node);
    return s === undefined ? undefined : [s];
  }
  const out: string[] = [];
  for (const c of node.namedChildren) {
    if (c.type === 'comment') continue;
    const s = stringValue(c);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/** Elements of a list/tuple expression (or the node itself when it is not one). */
export function elements(node: Node | undefined): Node[] {
  if (!node) return [];
  if (node.type === 'list' || node.type === 'tuple' || node.type === 'expression_list' || node.type === 'set')
    return node.namedChildren.filter((c) => c.type !== 'comment');
  return [node];
}

/** Normalises an OpenAPI-style path: leading `/`, no `//`, no trailing `/` except the root. */
export function normalisePath(path: string): string {
  let p = `/${path}`.replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p || '/';
}

export function joinPaths(...parts: string[]): string {
  return normalisePath(parts.filter((p) => p !== '').join('/'));
}

/** `<int:id>` / `<id>` (Flask, Django `path()`) → `{id}` plus typed path params; `<path:p>`, which spans segments, → `{p*}`. */
export function convertAnglePath(path: string): { path: string; params: { name: string; type: string; converter: string }[] } {
  const params: { name: string; type: string; converter: string }[] = [];
  const converted = path.replace(/<(?:([A-Za-z_][\w]*)(?:\([^)]*\))?:)?([A-Za-z_]\w*)>/g, (_, conv: string | undefined, name: string) => {
    const converter = conv ?? 'string';
    const type = converter === 'int' ? 'integer' : converter === 'float' ? 'number' : 'string';
    params.push({ name, type, converter });
    return converter === 'path' ? `{${name}*}` : `{${name}}`;
  });
  return { path: converted, params };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
