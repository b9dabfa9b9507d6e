/**
 * The shared tree-sitter layer of the Ruby extractors: one parser, each `.rb` file (and
 * `config.ru`) parsed once per project (a WeakMap keyed by the SourceProject, so the Rails and
 * Sinatra extractors running over the same project share the trees), plus the node helpers and a
 * small evaluator for Ruby literals that everything else uses.
 */
import type { ExtractorContext, SourceProject } from '../types.js';
import { at, endLine, firstErrorLine, grammar, line, oneLine, span } from '../tree-sitter.js';

/** The part of tree-sitter's SyntaxNode the Ruby extractors use. */
export interface Node {
  readonly type: string;
  readonly text: string;
  readonly startPosition: { row: number; column: number };
  readonly endPosition: { row: number; column: number };
  readonly startIndex: number;
  readonly parent: Node | null;
  readonly children: Node[];
  readonly namedChildren: Node[];
  readonly hasError: boolean;
  readonly isMissing: boolean;
  childForFieldName(name: string): Node | null;
  descendantsOfType(type: string | string[]): Node[];
}

interface Tree {
  readonly rootNode: Node;
}

const rubyGrammar = grammar<Tree>('tree-sitter-ruby');
const getParser = rubyGrammar.parser;

export const parserProblem = rubyGrammar.problem;

export interface RubyFile {
  file: string;
  source: string;
  root: Node;
  /** The first syntax error, if tree-sitter found any. */
  errorLine?: number;
}

const cache = new WeakMap<SourceProject, Map<string, RubyFile | null>>();

export function isRubyFile(file: string): boolean {
  return file.endsWith('.rb') || file === 'config.ru' || file.endsWith('/config.ru');
}

/** The parsed file, or null when it cannot be read or parsed (the parser itself is missing). */
export function parseRubyFile(project: SourceProject, file: string): RubyFile | null {
  let files = cache.get(project);
  if (!files) {
    files = new Map();
    cache.set(project, files);
  }
  if (files.has(file)) return files.get(file) ?? null;
  let result: RubyFile | null = null;
  const p = getParser();
  if (p) {
    try {
      const source = project.read(file);
      // The string form of parse() is limited to 32 KiB chunks in node-tree-sitter; a callback
      // reads any size.
      const tree = p.parse((index) => (index < source.length ? source.slice(index, index + 16_384) : null));
      const root = tree.rootNode;
      result = { file, source, root };
      if (root.hasError) result.errorLine = firstErrorLine(root);
    } catch {
      result = null;
    }
  }
  files.set(file, result);
  return result;
}

/**
 * Every Ruby file of the project, parsed, with a warning for each file that does not parse
 * cleanly (extraction goes on with what tree-sitter recovered) and a progress tick per file.
 */
export function rubyFiles(context: ExtractorContext, framework: string): RubyFile[] {
  const out: RubyFile[] = [];
  const problem = parserProblem();
  if (problem) context.warn({ file: '.', line: 1, message: `${framework}: tree-sitter-ruby unavailable: ${problem}` });
  for (const file of context.project.files) {
    if (isRubyFile(file) && !problem) {
      const parsed = parseRubyFile(context.project, file);
      if (!parsed) context.warn({ file, line: 1, message: 'could not read or parse the file' });
      else {
        if (parsed.errorLine !== undefined) context.warn({ file, line: parsed.errorLine, message: 'syntax error: extraction continues with what parsed' });
        out.push(parsed);
      }
    }
    context.progress?.(file);
  }
  return out;
}

export { at, endLine, line, oneLine, span };

/** Every named node under `node` (itself included), depth first, in source order. */
export function* walk(node: Node): Generator<Node> {
  yield node;
  for (const c of node.namedChildren) yield* walk(c);
}

/** Like walk, but does not descend into nested method or class definitions. */
export function* walkBody(node: Node): Generator<Node> {
  yield node;
  for (const c of node.namedChildren) {
    if (c.type === 'method' || c.type === 'singleton_method' || c.type === 'class' || c.type === 'module') continue;
    yield* walkBody(c);
  }
}

/** The method name of a call (`get` for `get '/x' do ... end`), or of a bare identifier. */
export function callName(node: Node): string | undefined {
  if (node.type === 'call') return node.childForFieldName('method')?.text;
  if (node.type === 'identifier') return node.text;
  return undefined;
}

export function receiver(call: Node): Node | undefined {
  return call.type === 'call' ? (call.childForFieldName('receiver') ?? undefined) : undefined;
}

/** Positional arguments of a call (pairs excluded); see `options` for the trailing hash. */
export function args(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  if (!list) return [];
  return list.namedChildren.filter((n) => n.type !== 'comment' && n.type !== 'pair' && n.type !== 'block_argument');
}

/** The trailing keyword arguments of a call, key (symbol or string, without `:`) to value node. */
export function options(call: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  const list = call.childForFieldName('arguments');
  if (!list) return out;
  const pairs: Node[] = [];
  for (const n of list.namedChildren) {
    if (n.type === 'pair') pairs.push(n);
    if (n.type === 'hash') pairs.push(...n.namedChildren.filter((c) => c.type === 'pair'));
  }
  for (const pair of pairs) {
    const key = pair.childForFieldName('key');
    const value = pair.childForFieldName('value');
    if (!key || !value) continue;
    const name = keyName(key);
    if (name !== undefined) out.set(name, value);
  }
  return out;
}

export function keyName(key: Node): string | undefined {
  if (key.type === 'hash_key_symbol' || key.type === 'identifier' || key.type === 'constant') return key.text;
  const value = literal(key);
  return typeof value === 'string' ? value : undefined;
}

/** The block (`do ... end` or `{ ... }`) of a call. */
export function blockOf(call: Node): Node | undefined {
  if (call.type !== 'call') return undefined;
  return call.childForFieldName('block') ?? undefined;
}

/** The statements of a block, method, class or module body. */
export function statements(node: Node | undefined | null): Node[] {
  if (!node) return [];
  if (node.type === 'do_block' || node.type === 'block' || node.type === 'method' || node.type === 'singleton_method') {
    const body = node.childForFieldName('body');
    if (!body) return [];
    if (body.type === 'body_statement' || body.type === 'block_body') return body.namedChildren.filter((n) => n.type !== 'comment');
    return [body];
  }
  if (node.type === 'class' || node.type === 'module' || node.type === 'singleton_class') {
    const body = node.childForFieldName('body');
    return body ? body.namedChildren.filter((n) => n.type !== 'comment') : [];
  }
  if (node.type === 'body_statement' || node.type === 'block_body' || node.type === 'program' || node.type === 'then' || node.type === 'else') {
    return node.namedChildren.filter((n) => n.type !== 'comment');
  }
  return [node];
}

export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

/** The value of a Ruby literal (symbols as their names), or undefined for anything computed. */
/**
 * A Ruby literal as JSON, or undefined when any part is not literal. `messages`: an interpolated
 * string is read as the message it makes (`"Widget #{w.name} found"` → `Widget <w.name> found`),
 * for response bodies; never for paths.
 */
export function literal(node: Node, messages = false): Literal | undefined {
  switch (node.type) {
    case 'string':
    case 'bare_string':
    case 'bare_symbol':
    case 'delimited_symbol': {
      let out = '';
      for (const c of node.namedChildren) {
        if (c.type === 'string_content') out += c.text;
        else if (c.type === 'escape_sequence') out += unescape(c.text);
        else if (messages && c.type === 'interpolation') out += `<${oneLine(c.namedChildren[0]?.text ?? '?')}>`;
        else return undefined;
      }
      return out;
    }
    case 'simple_symbol':
      return node.text.replace(/^:/, '');
    case 'hash_key_symbol':
      return node.text;
    case 'integer':
      return Number(node.text.replace(/_/g, ''));
    case 'float':
      return Number(node.text.replace(/_/g, ''));
    case 'true':
      return true;
    case 'false':
      return false;
    case 'nil':
      return null;
    case 'parenthesized_statements':
      return node.namedChildren.length === 1 && node.namedChildren[0] ? literal(node.namedChildren[0], messages) : undefined;
    case 'array':
    case 'string_array':
    case 'symbol_array': {
      const out: Literal[] = [];
      for (const c of node.namedChildren) {
        const v = literal(c, messages);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'hash':
      return pairsLiteral(node.namedChildren, messages);
    default:
      return undefined;
  }
}

/** `{a: 1, 'b' => 'x'}` or keyword arguments `json(a: 1)` as an object, if every pair is literal. */
export function pairsLiteral(nodes: readonly Node[], messages = false): Literal | undefined {
  const out: { [key: string]: Literal } = {};
  for (const c of nodes) {
    if (c.type === 'comment') continue;
    if (c.type !== 'pair') return undefined;
    const k = c.childForFieldName('key');
    const v = c.childForFieldName('value');
    if (!k || !v) return undefined;
    const key = keyName(k);
    const value = literal(v, messages);
    if (key === undefined || value === undefined) return undefined;
    out[key] = value;
  }
  return out;
}

function unescape(text: string): string {
  const map: Record<string, string> = { '\\n': '\n', '\\t': '\t', '\\"': '"', "\\'": "'", '\\\\': '\\', '\\/': '/' };
  return map[text] ?? text.replace(/^\\/, '');
}

export function stringValue(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const v = literal(node);
  return typeof v === 'string' ? v : undefined;
}

/** A literal symbol/string or a list of them: `:a`, `[:a, :b]`, `%i[a b]`. */
export function nameList(node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  const v = literal(node);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  return undefined;
}

/** `Api::UsersController` for a constant or scope resolution node; undefined for anything else. */
export function constantName(node: Node | undefined | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'constant') return node.text;
  if (node.type === 'scope_resolution') {
    const scope = node.childForFieldName('scope');
    const name = node.childForFieldName('name');
    if (!name) return undefined;
    if (!scope) return name.text;
    const left = constantName(scope);
    return left === undefined ? undefined : `${left}::${name.text}`;
  }
  return undefined;
}

/** `api/v1/users` → `Api::V1::Users`. */
export function camelize(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((seg) =>
      seg
        .split('_')
        .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
        .join(''),
    )
    .join('::');
}

/** `Api::V1::UsersController` → `api/v1/users_controller`. */
export function underscore(name: string): string {
  return name
    .split('::')
    .map((seg) =>
      seg
        .replace(/([a-z\d])([A-Z])/g, '$1_$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .toLowerCase(),
    )
    .join('/');
}

/** English singular of a resource name, good enough for route parameters and model names. */
export function singularize(word: string): string {
  const irregular: Record<string, string> = { people: 'person', men: 'man', women: 'woman', children: 'child', mice: 'mouse', data: 'datum' };
  if (irregular[word]) return irregular[word];
  if (/(ss|us|is)$/.test(word)) return word;
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(x|ch|sh|ss|zz)es$/.test(word)) return word.replace(/es$/, '');
  if (/ses$/.test(word)) return word.replace(/es$/, '');
  if (/s$/.test(word)) return word.slice(0, -1);
  return word;
}

export function pluralize(word: string): string {
  const irregular: Record<string, string> = { person: 'people', man: 'men', woman: 'women', child: 'children', mouse: 'mice' };
  if (irregular[word]) return irregular[word];
  if (/[^su]s$/.test(word)) return word; // already plural: settings, news
  if (/[^aeiou]y$/.test(word)) return word.replace(/y$/, 'ies');
  if (/(x|ch|sh|ss|s|zz)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** Route paths as spec templates: `/users/:id(.:format)` → `/users/{id}`; a glob `*path` spans segments → `{path*}`. */
export function normalisePath(path: string): string {
  let p = path;
  // Optional groups, innermost first: `(.:format)`, `(/:locale)`, `(/page/:page)`.
  for (let i = 0; i < 5 && /\([^()]*\)/.test(p); i++) p = p.replace(/\([^()]*\)/g, '');
  p = p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*([A-Za-z_][A-Za-z0-9_]*)/g, '{$1*}');
  p = `/${p}`.replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p;
}

export function joinPath(...parts: string[]): string {
  return normalisePath(parts.filter((x) => x !== '').join('/'));
}

/**
 * Joined as joinPath does, but an optional group other than the format suffix (`(/page/:page)`,
 * `(:locale)`) is kept, for expandOptional to turn into the routes it stands for.
 */
export function joinKeepingOptional(...parts: string[]): string {
  let p = parts.filter((x) => x !== '').join('/');
  for (let i = 0; i < 5 && /\(\.[^()]*\)/.test(p); i++) p = p.replace(/\(\.[^()]*\)/g, '');
  p = p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\*([A-Za-z_][A-Za-z0-9_]*)/g, '{$1*}');
  p = `/${p}`.replace(/\/{2,}/g, '/');
  if (p.length > 1) p = p.replace(/\/+$/, '');
  return p;
}

/** A path with optional groups as every route it matches: `/posts(/page/{page})` is `/posts` and `/posts/page/{page}`. */
export function expandOptional(path: string): string[] {
  const group = /\(([^()]*)\)/.exec(path);
  if (!group) return [normalisePath(path)];
  const without = path.slice(0, group.index) + path.slice(group.index + group[0].length);
  const withIt = path.slice(0, group.index) + group[1] + path.slice(group.index + group[0].length);
  return [...new Set([...expandOptional(without), ...expandOptional(withIt)])];
}
