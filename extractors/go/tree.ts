/**
 * The shared tree-sitter layer of the Go extractors: one parser, each `.go` file parsed once per
 * project (a WeakMap keyed by the SourceProject, so the four extractors running over the same
 * project share the trees), plus the small node helpers everything else uses.
 */
import type { SourceProject } from '../types.js';
import { at, endLine, firstErrorLine, grammar, line, oneLine, span } from '../tree-sitter.js';

/** The part of tree-sitter's SyntaxNode the Go extractors use. */
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
  childrenForFieldName(name: string): Node[];
  descendantsOfType(type: string | string[]): Node[];
}

interface Tree {
  readonly rootNode: Node;
}

const goGrammar = grammar<Tree>('tree-sitter-go');
const getParser = goGrammar.parser;

export interface GoFile {
  file: string;
  /** The directory of the file: its Go package, as far as the extractors care. */
  dir: string;
  source: string;
  root: Node;
  /** The first syntax error, if tree-sitter found any. */
  errorLine?: number;
  /** Import alias (explicit or the path's last element, `/vN` dropped) to import path. */
  imports: Map<string, string>;
}

const cache = new WeakMap<SourceProject, Map<string, GoFile | null>>();

/** The parsed file, or null when it cannot be read or parsed (the parser itself is missing). */
export function parseGoFile(project: SourceProject, file: string): GoFile | null {
  let files = cache.get(project);
  if (!files) {
    files = new Map();
    cache.set(project, files);
  }
  if (files.has(file)) return files.get(file) ?? null;
  let result: GoFile | null = null;
  const p = getParser();
  if (p) {
    try {
      const source = project.read(file);
      const tree = p.parse(source);
      const root = tree.rootNode;
      result = { file, dir: dirOf(file), source, root, imports: readImports(root) };
      if (root.hasError) result.errorLine = firstErrorLine(root);
    } catch {
      result = null;
    }
  }
  files.set(file, result);
  return result;
}

export const parserProblem = goGrammar.problem;

export function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '' : file.slice(0, i);
}

/** `github.com/labstack/echo/v4` → `echo`; `github.com/go-chi/chi/v5` → `chi`. */
export function packageNameOf(importPath: string): string {
  const parts = importPath.split('/');
  let last = parts[parts.length - 1] ?? importPath;
  if (/^v\d+$/.test(last) && parts.length > 1) last = parts[parts.length - 2] ?? last;
  return last.replace(/^go-/, '').replace(/[.-]/g, '_');
}

function readImports(root: Node): Map<string, string> {
  const imports = new Map<string, string>();
  for (const spec of root.descendantsOfType('import_spec')) {
    const pathNode = spec.childForFieldName('path');
    if (!pathNode) continue;
    const path = stringValue(pathNode);
    if (path === undefined) continue;
    const name = spec.childForFieldName('name')?.text;
    if (name === '_' || name === '.') continue;
    imports.set(name ?? packageNameOf(path), path);
  }
  return imports;
}

/** The value of a Go string literal node, or undefined for anything else. */
export function stringValue(node: Node): string | undefined {
  if (node.type === 'raw_string_literal') return node.text.slice(1, -1);
  if (node.type === 'interpreted_string_literal') {
    const inner = node.text.slice(1, -1);
    try {
      return JSON.parse(`"${inner.replace(/\\'/g, "'")}"`) as string;
    } catch {
      return inner;
    }
  }
  return undefined;
}

export { at, endLine, line, oneLine, span };

export function args(call: Node): Node[] {
  return call.childForFieldName('arguments')?.namedChildren.filter((n) => n.type !== 'comment') ?? [];
}

/** Every node under `node` (itself included), depth first, in source order. */
export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const c of node.namedChildren) yield* walk(c);
}

/** For `a.b.C(...)`: `C`; for `f(...)`: `f`. */
export function calleeName(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return fn.text;
  if (fn.type === 'selector_expression') return fn.childForFieldName('field')?.text;
  return undefined;
}

/** The operand of a selector callee, `a.b` for `a.b.C(...)`. */
export function calleeOperand(call: Node): Node | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'selector_expression') return undefined;
  return fn.childForFieldName('operand') ?? undefined;
}
