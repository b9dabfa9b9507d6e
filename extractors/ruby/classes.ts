/**
 * A project-wide index of Ruby classes and modules: where each is defined (reopenings merged),
 * its superclass, the modules it includes, its methods and its class-level statements
 * (`before_action ...`, `helpers do ... end`). Top-level `def`s and Sinatra `helpers` blocks of a
 * classic app land in the pseudo class `""` (main).
 */
import { blockOf, callName, constantName, type Node, type RubyFile, args, statements } from './tree.js';

export interface MethodDef {
  name: string;
  /** The class or module the method is defined in (`""` for main). */
  owner: string;
  file: string;
  node: Node;
  visibility: 'public' | 'private' | 'protected';
  singleton: boolean;
}

export interface ClassStatement {
  file: string;
  node: Node;
}

export interface ClassInfo {
  name: string;
  kind: 'class' | 'module';
  /** Lexical nesting the class was defined in, outermost first, for constant lookup. */
  nesting: string[];
  superclass?: string;
  includes: string[];
  methods: Map<string, MethodDef>;
  singletonMethods: Map<string, MethodDef>;
  /** Class-body statements other than method definitions, in source order. */
  statements: ClassStatement[];
  files: string[];
  /** The first definition, for evidence. */
  file: string;
  node: Node;
}

export class ClassIndex {
  readonly classes = new Map<string, ClassInfo>();

  constructor(files: readonly RubyFile[]) {
    for (const f of files) this.collect(f.file, f.root, '');
  }

  get(name: string): ClassInfo | undefined {
    return this.classes.get(name.replace(/^::/, ''));
  }

  /** Ruby's lexical constant lookup, approximately: `Base` inside `Api` is `Api::Base` if that exists. */
  resolve(name: string, nesting: readonly string[]): ClassInfo | undefined {
    if (name.startsWith('::')) return this.get(name);
    for (let i = nesting.length; i > 0; i--) {
      const found = this.get(`${nesting.slice(0, i).join('::')}::${name}`);
      if (found) return found;
    }
    return this.get(name);
  }

  /** The class followed by its ancestors (included modules after the class that includes them). */
  ancestors(name: string): ClassInfo[] {
    const out: ClassInfo[] = [];
    const seen = new Set<string>();
    let current = this.get(name);
    while (current && !seen.has(current.name)) {
      seen.add(current.name);
      out.push(current);
      for (const inc of [...current.includes].reverse()) {
        const mod = this.resolve(inc, current.name.split('::'));
        if (mod && !seen.has(mod.name)) {
          seen.add(mod.name);
          out.push(mod);
        }
      }
      current = current.superclass ? this.resolve(current.superclass, current.nesting) : undefined;
    }
    return out;
  }

  /** The superclass chain's names as written (outermost known ancestor last), project or not. */
  superNames(name: string): string[] {
    const out: string[] = [];
    for (const c of this.ancestors(name)) if (c.superclass) out.push(c.superclass);
    return out;
  }

  /** The method `name` as seen from an instance of `owner`. */
  method(owner: string, name: string): MethodDef | undefined {
    for (const c of this.ancestors(owner)) {
      const m = c.methods.get(name);
      if (m) return m;
    }
    if (owner !== '') return this.get('')?.methods.get(name);
    return undefined;
  }

  singletonMethod(owner: string, name: string): MethodDef | undefined {
    for (const c of this.ancestors(owner)) {
      const m = c.singletonMethods.get(name);
      if (m) return m;
    }
    return undefined;
  }

  private ensure(name: string, kind: 'class' | 'module', nesting: string[], file: string, node: Node): ClassInfo {
    let info = this.classes.get(name);
    if (!info) {
      info = { name, kind, nesting, includes: [], methods: new Map(), singletonMethods: new Map(), statements: [], files: [], file, node };
      this.classes.set(name, info);
    }
    if (!info.files.includes(file)) info.files.push(file);
    return info;
  }

  private collect(file: string, container: Node, owner: string): void {
    const info = owner === '' ? this.ensure('', 'module', [], file, container) : this.get(owner);
    let visibility: MethodDef['visibility'] = 'public';
    const body = container.type === 'program' ? container.namedChildren : statements(container);
    for (const stmt of body) {
      if (stmt.type === 'class' || stmt.type === 'module') {
        const written = constantName(stmt.childForFieldName('name'));
        if (!written) continue;
        const full = owner === '' ? written : `${owner}::${written}`;
        // Lenient lookup: `class Api::UsersController < BaseController` finds Api::BaseController, as
        // Rails' autoloading did.
        const child = this.ensure(full, stmt.type, full.split('::').slice(0, -1), file, stmt);
        const sup = stmt.childForFieldName('superclass');
        if (sup) {
          const name = constantName(sup.namedChildren[0]);
          if (name && !child.superclass) child.superclass = name;
        }
        this.collect(file, stmt, full);
        continue;
      }
      if (!info) continue;
      if (stmt.type === 'method' || stmt.type === 'singleton_method') {
        const name = stmt.childForFieldName('name')?.text;
        if (!name) continue;
        const def: MethodDef = { name, owner: info.name, file, node: stmt, visibility, singleton: stmt.type === 'singleton_method' };
        (def.singleton ? info.singletonMethods : info.methods).set(name, def);
        continue;
      }
      const name = callName(stmt);
      if ((name === 'private' || name === 'protected' || name === 'public') && stmt.type === 'identifier') {
        visibility = name;
        continue;
      }
      if (name === 'include' || name === 'extend' || (name === 'helpers' && stmt.type === 'call' && args(stmt).length > 0)) {
        for (const a of args(stmt)) {
          const c = constantName(a);
          if (c) info.includes.push(c);
        }
      }
      if ((name === 'helpers' || name === 'included' || name === 'class_methods') && stmt.type === 'call') {
        const block = blockOf(stmt);
        if (block) {
          // `helpers do ... end` (Sinatra) and `included do ... end` (ActiveSupport::Concern):
          // the methods and statements inside belong to the class.
          for (const inner of statements(block)) {
            if (inner.type === 'method') {
              const mname = inner.childForFieldName('name')?.text;
              if (mname) info.methods.set(mname, { name: mname, owner: info.name, file, node: inner, visibility: 'public', singleton: false });
            } else info.statements.push({ file, node: inner });
          }
          continue;
        }
      }
      if (stmt.type === 'singleton_class') {
        for (const inner of statements(stmt)) {
          if (inner.type !== 'method') continue;
          const mname = inner.childForFieldName('name')?.text;
          if (mname) info.singletonMethods.set(mname, { name: mname, owner: info.name, file, node: inner, visibility: 'public', singleton: true });
        }
        continue;
      }
      info.statements.push({ file, node: stmt });
    }
  }
}
