/**
 * The legacy codebase as extractors see it: every source and manifest file below a root, read
 * lazily and at most once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExtractionWarning, SourceProject } from './types.js';

const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'vendor',
  'dist',
  'build',
  'target',
  'coverage',
  '__pycache__',
  '.venv',
  'venv',
  'tmp',
  'log',
]);
const SOURCE_EXTENSIONS = new Set(['.js', '.cjs', '.mjs', '.jsx', '.ts', '.tsx', '.mts', '.cts', '.rb', '.py', '.go']);
const MANIFESTS = /^(package\.json|Gemfile|Gemfile\.lock|go\.mod|requirements.*\.txt|pyproject\.toml|Pipfile|setup\.(py|cfg)|config\.ru)$/;
/** Larger files are generated or vendored code, not endpoints a reviewer reads. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

export function loadSourceProject(root: string, warn: (warning: ExtractionWarning) => void = () => {}): SourceProject {
  const absolute = path.resolve(root);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      if (!SOURCE_EXTENSIONS.has(path.extname(entry.name)) && !MANIFESTS.test(entry.name)) continue;
      const relative = path.relative(absolute, full).split(path.sep).join('/');
      if (fs.statSync(full).size > MAX_FILE_BYTES) {
        warn({ file: relative, line: 1, message: `skipped: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` });
        continue;
      }
      files.push(relative);
    }
  };
  walk(absolute);
  files.sort();
  return inMemoryProject(absolute, (file) => fs.readFileSync(path.join(absolute, file), 'utf8'), files);
}

/** A project over any reader, for tests and for callers that already hold the files. */
export function inMemoryProject(root: string, read: (file: string) => string, files: readonly string[]): SourceProject {
  const cache = new Map<string, string>();
  return {
    root,
    files: [...files].sort(),
    read(file) {
      let text = cache.get(file);
      if (text === undefined) {
        text = read(file);
        cache.set(file, text);
      }
      return text;
    },
  };
}
