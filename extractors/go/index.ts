/**
 * The Go extractors: net/http (Go 1.22 ServeMux patterns included), gin, chi and echo. They share
 * one tree-sitter layer (each file parsed once per project) and one route interpreter; see
 * routes.ts for how routers are followed and handler.ts for what is read from a handler.
 */
import type { Extractor, SourceProject } from '../types.js';
import { extractGo, FRAMEWORK_IMPORTS, type GoFramework } from './routes.js';
import { goFiles } from './project.js';

export { MIDDLEWARE_GUARD_RULES } from './guards.js';

const GO_MOD_REQUIRES: Readonly<Record<Exclude<GoFramework, 'net/http'>, RegExp>> = {
  gin: /^\s*(?:require\s+)?github\.com\/gin-gonic\/gin\s+v/m,
  chi: /^\s*(?:require\s+)?github\.com\/(?:go-chi|pressly)\/chi(?:\/v\d+)?\s+v/m,
  echo: /^\s*(?:require\s+)?github\.com\/labstack\/echo(?:\/v\d+)?\s+v/m,
};

function safeRead(project: SourceProject, file: string): string {
  try {
    return project.read(file);
  } catch {
    return '';
  }
}

/** The import paths of a Go file, read with a regex (detect must stay cheap: no parsing). */
function importPaths(source: string): string[] {
  const out: string[] = [];
  const block = /\bimport\s*\(([\s\S]*?)\)/g;
  for (let m = block.exec(source); m; m = block.exec(source)) {
    for (const q of m[1]!.matchAll(/"([^"]+)"/g)) out.push(q[1]!);
  }
  for (const m of source.matchAll(/\bimport\s+(?:[\w.]+\s+)?"([^"]+)"/g)) out.push(m[1]!);
  return out;
}

function detectFramework(framework: GoFramework, project: SourceProject): boolean {
  try {
    if (framework !== 'net/http') {
      const mods = project.files.filter((f) => f === 'go.mod' || f.endsWith('/go.mod'));
      if (mods.some((f) => GO_MOD_REQUIRES[framework].test(safeRead(project, f)))) return true;
    }
    for (const f of goFiles(project)) {
      const source = safeRead(project, f);
      const imports = importPaths(source);
      if (!imports.some((p) => FRAMEWORK_IMPORTS[framework].test(p))) continue;
      if (framework !== 'net/http') return true;
      // net/http: a ServeMux in use, not just status constants next to another framework
      if (/\bhttp\.(HandleFunc|Handle)\(|\bhttp\.NewServeMux\(\)/.test(source)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** Where an app of each framework is made: what a warning points at when none of its routes is found. */
const ENTRY_POINTS: Readonly<Record<GoFramework, RegExp>> = {
  'net/http': /\bhttp\.NewServeMux\(\)|\bhttp\.(HandleFunc|Handle)\(|\bhttp\.ListenAndServe\(/,
  gin: /\bgin\.(New|Default)\(\)/,
  chi: /\bchi\.NewRouter\(\)|\bchi\.NewMux\(\)/,
  echo: /\becho\.New\(\)/,
};

function goExtractor(framework: GoFramework): Extractor {
  return {
    name: framework,
    language: 'go',
    entryPoint: ENTRY_POINTS[framework],
    detect: (project) => detectFramework(framework, project),
    extract: (context) => extractGo(framework, context),
  };
}

export const netHttpExtractor: Extractor = goExtractor('net/http');
export const ginExtractor: Extractor = goExtractor('gin');
export const chiExtractor: Extractor = goExtractor('chi');
export const echoExtractor: Extractor = goExtractor('echo');

export const goExtractors: readonly Extractor[] = [netHttpExtractor, ginExtractor, chiExtractor, echoExtractor];
