/**
 * Finding and loading the workspace: `parity.yaml` is looked for in the working directory and
 * then each parent. Paths in the file are relative to the file; paths given as flags are relative
 * to the working directory; flags win.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import { plural } from '../text.js';
import { parseYamlSource } from '../yaml/source.js';
import { validateSource } from '../yaml/validate.js';
import {
  CONFIG_FILE_NAME,
  ConfigSchema,
  httpUrlProblem,
  type AuthProfile,
  type ConfigFile,
  type LlmConfig,
  type ReportConfig,
  type ShadowConfig,
  type TestConfig,
} from './schema.js';

export interface Workspace {
  /** Absolute path of the parity.yaml in use, or null when none was found and defaults apply. */
  configPath: string | null;
  /** The directory relative paths were resolved against. */
  root: string;
  legacy: { source?: string; url?: string };
  rewrite: { url?: string };
  specsDir: string;
  storePath: string;
  reportsDir: string;
  /** Named credentials for spec examples (`auth: <name>`); `${NAME}` is expanded when used. */
  auth: Record<string, AuthProfile>;
  /** Absolute path of the request hooks module, when configured. */
  hooks?: string;
  test: TestConfig;
  shadow: ShadowConfig;
  report: ReportConfig;
  llm: LlmConfig;
}

/** Values given on the command line. Paths are relative to the working directory. */
export interface WorkspaceOverrides {
  specs?: string;
  store?: string;
  reports?: string;
  legacySource?: string;
  legacyUrl?: string;
  rewriteUrl?: string;
}

export interface LoadWorkspaceOptions {
  cwd: string;
  /** An explicit config file (`--config`); it must exist. */
  configPath?: string;
  overrides?: WorkspaceOverrides;
}

export function findConfigFile(startDir: string): string | null {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function readConfigFile(configPath: string, cwd: string): ConfigFile {
  const shown = displayPath(configPath, cwd);
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (error) {
    throw new ParityError('CONFIG_INVALID', `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parseConfigText(shown, text);
}

/** Validate config text; `shown` is the file name diagnostics carry. */
export function parseConfigText(shown: string, text: string): ConfigFile {
  const { source, diagnostics } = parseYamlSource(shown, text);
  if (diagnostics.length > 0) throw new ParityError('CONFIG_INVALID', `${shown} is not valid YAML`, { diagnostics });
  // An empty file means "all defaults".
  if (source.doc.contents === null) return ConfigSchema.parse({});
  const result = validateSource(source, ConfigSchema);
  if (!result.ok) throw new ParityError('CONFIG_INVALID', `${shown} has ${plural(result.diagnostics.length, 'problem')}`, { diagnostics: result.diagnostics });
  return result.value;
}

export function loadWorkspace(options: LoadWorkspaceOptions): Workspace {
  const cwd = path.resolve(options.cwd);
  let configPath: string | null;
  if (options.configPath !== undefined) {
    configPath = path.resolve(cwd, options.configPath);
    if (!fs.existsSync(configPath)) throw new ParityError('CONFIG_INVALID', `--config: ${options.configPath} does not exist`);
  } else {
    configPath = findConfigFile(cwd);
  }
  const file = configPath ? readConfigFile(configPath, cwd) : ConfigSchema.parse({});
  const root = configPath ? path.dirname(configPath) : cwd;
  const fromFile = (p: string) => path.resolve(root, p);
  const fromFlag = (p: string) => path.resolve(cwd, p);
  const o = options.overrides ?? {};
  for (const [flag, value] of [
    ['--legacy', o.legacyUrl],
    ['--rewrite', o.rewriteUrl],
  ] as const) {
    const problem = value === undefined ? undefined : httpUrlProblem(value);
    if (problem) throw new ParityError('USAGE', `${flag}: ${problem}`);
  }

  const legacySource = o.legacySource !== undefined ? fromFlag(o.legacySource) : file.legacy.source !== undefined ? fromFile(file.legacy.source) : undefined;
  const legacyUrl = o.legacyUrl ?? file.legacy.url;
  const rewriteUrl = o.rewriteUrl ?? file.rewrite.url;
  return {
    configPath,
    root,
    legacy: { ...(legacySource !== undefined && { source: legacySource }), ...(legacyUrl !== undefined && { url: legacyUrl }) },
    rewrite: { ...(rewriteUrl !== undefined && { url: rewriteUrl }) },
    specsDir: o.specs !== undefined ? fromFlag(o.specs) : fromFile(file.specs),
    storePath: o.store !== undefined ? fromFlag(o.store) : fromFile(file.store),
    reportsDir: o.reports !== undefined ? fromFlag(o.reports) : fromFile(file.reports),
    auth: file.auth,
    ...(file.hooks !== undefined && { hooks: fromFile(file.hooks) }),
    test: file.test,
    shadow: file.shadow,
    report: file.report,
    llm: file.llm,
  };
}
