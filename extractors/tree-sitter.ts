/**
 * What the tree-sitter extractors (Ruby, Python, Go) share: loading a grammar once, and turning
 * nodes into the `file:line` / `file:start-end` evidence specs cite.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface GrammarParser<TTree> {
  setLanguage(language: unknown): void;
  /** A string, or a callback that returns the text from an offset (any size). */
  parse(input: string | ((index: number) => string | null)): TTree;
}

/**
 * A parser for one grammar package (`tree-sitter-go`, ...), created on first use. When the native
 * module cannot load, `parser()` is undefined and `problem()` says why, so extractors can warn
 * instead of throwing.
 */
export function grammar<TTree>(module: string): { parser(): GrammarParser<TTree> | undefined; problem(): string | undefined } {
  let parser: GrammarParser<TTree> | undefined;
  let failure: string | undefined;
  const load = () => {
    if (parser || failure) return;
    try {
      const Parser = require('tree-sitter') as new () => GrammarParser<TTree>;
      const created = new Parser();
      created.setLanguage(require(module) as unknown);
      parser = created;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
  };
  return {
    parser: () => (load(), parser),
    problem: () => (load(), failure),
  };
}

interface Positioned {
  startPosition: { row: number };
  endPosition: { row: number };
}

export const line = (node: Positioned): number => node.startPosition.row + 1;
export const endLine = (node: Positioned): number => node.endPosition.row + 1;

/** `file:start-end`, or `file:line` for a one-line node. */
export function span(file: string, node: Positioned): string {
  const a = line(node);
  const b = endLine(node);
  return a === b ? `${file}:${a}` : `${file}:${a}-${b}`;
}

export function at(file: string, node: Positioned): string {
  return `${file}:${line(node)}`;
}

/** Whitespace collapsed, for texts that end up in specs. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

interface ErrorNode extends Positioned {
  type: string;
  isMissing: boolean;
  hasError: boolean;
  children: readonly ErrorNode[];
}

/** The line of the first syntax error in a tree (an ERROR or a MISSING node), for a warning. */
export function firstErrorLine(root: ErrorNode): number {
  let found: ErrorNode | undefined;
  const visit = (n: ErrorNode): void => {
    if (found) return;
    if (n.type === 'ERROR' || n.isMissing) {
      found = n;
      return;
    }
    if (!n.hasError) return;
    for (const c of n.children) visit(c);
  };
  visit(root);
  return line(found ?? root);
}
