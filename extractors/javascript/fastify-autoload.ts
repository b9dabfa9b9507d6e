/**
 * Which files `@fastify/autoload` loads from a directory, with which prefix and which `autohooks`
 * files around them, the way its `findPlugins` walks the tree: every script file is a plugin
 * unless the folder has an index file (then only the index, and the sub-folders); a sub-folder's
 * name is added to the prefix (`dirNameRoutePrefix`, default on; `_id` becomes `{id}` with
 * `routeParams`); an `autohooks.js` applies to the plugins of its folder, and to those below it
 * with `cascadeHooks` (`overwriteHooks` starts the chain again). Pure: the project's file list in,
 * the plugins out.
 */
import path from 'node:path/posix';

export interface AutoloadOptions {
  /** Project-relative directory. */
  dir: string;
  dirNameRoutePrefix: boolean;
  autoHooks: boolean;
  cascadeHooks: boolean;
  overwriteHooks: boolean;
  routeParams: boolean;
  maxDepth: number | undefined;
  ignorePattern: RegExp | undefined;
  indexPattern: RegExp;
  autoHooksPattern: RegExp;
}

export const AUTOLOAD_DEFAULTS = {
  dirNameRoutePrefix: true,
  autoHooks: false,
  cascadeHooks: false,
  overwriteHooks: false,
  routeParams: false,
  maxDepth: undefined,
  ignorePattern: undefined,
  indexPattern: /^index(\.ts|\.js|\.cjs|\.mjs)$/i,
  autoHooksPattern: /^[_.]?auto_?hooks(\.ts|\.js|\.cjs|\.mjs)$/i,
} satisfies Omit<AutoloadOptions, 'dir'>;

/** Script files autoload loads (not declaration files). */
const SCRIPT = /((^.?|\.[^d]|[^.]d|[^.][^d])\.ts|\.js|\.cjs|\.mjs)$/i;

export interface AutoloadedPlugin {
  file: string;
  /** The prefix its folder gives it (`/admin/users`), before autoload's `options.prefix`. */
  dirPrefix: string;
  /** The autohooks files whose hooks wrap it, outermost first. */
  hooks: string[];
}

export function autoloadedPlugins(files: readonly string[], options: AutoloadOptions): AutoloadedPlugin[] {
  const root = options.dir.replace(/\/+$/, '');
  const under = files.filter((f) => f.startsWith(`${root}/`)).map((f) => f.slice(root.length + 1));
  const out: AutoloadedPlugin[] = [];
  const visit = (rel: string, dirPrefix: string, depth: number, inherited: string[]) => {
    const inside = under.filter((f) => (rel === '' ? true : f.startsWith(`${rel}/`))).map((f) => (rel === '' ? f : f.slice(rel.length + 1)));
    const names = [...new Set(inside.filter((f) => !f.includes('/')))].sort();
    const folders = [...new Set(inside.filter((f) => f.includes('/')).map((f) => f.slice(0, f.indexOf('/'))))].sort();
    const at = (name: string) => (rel === '' ? name : `${rel}/${name}`);
    let hooks = options.autoHooks && options.cascadeHooks ? [...inherited] : [];
    const hookFile = options.autoHooks ? names.find((n) => options.autoHooksPattern.test(n)) : undefined;
    if (hookFile) hooks = [...(options.overwriteHooks ? [] : hooks), `${root}/${at(hookFile)}`];
    const index = names.find((n) => options.indexPattern.test(n));
    const plugins = index
      ? [index]
      : names.filter((n) => SCRIPT.test(n) && !options.autoHooksPattern.test(n) && !(options.ignorePattern && options.ignorePattern.test(n)));
    for (const name of plugins) out.push({ file: `${root}/${at(name)}`, dirPrefix, hooks });
    if (options.maxDepth !== undefined && depth >= options.maxDepth) return;
    for (const folder of folders) {
      if (options.ignorePattern && options.ignorePattern.test(folder)) continue;
      const segment = options.routeParams && folder.startsWith('_') ? `{${folder.replace(/^_+/, '')}}` : folder;
      const next = options.dirNameRoutePrefix ? `${dirPrefix}/${segment}` : dirPrefix;
      visit(at(folder), next, depth + 1, hooks);
    }
  };
  visit('', '', 0, []);
  return out;
}

/** `path.join(__dirname, 'routes')` and the like, as a project-relative directory; `dirOf` is the file's own directory. */
export function joinDir(dirOf: string, parts: readonly (string | { dirname: true })[]): string {
  const joined = path.join(...parts.map((p) => (typeof p === 'string' ? p : dirOf === '' ? '.' : dirOf)));
  return path
    .normalize(joined)
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '');
}
