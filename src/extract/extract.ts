/** `parity extract`: the legacy codebase in, endpoint facts out, and drafts written on request. */
import fs from 'node:fs';
import { ALL_EXTRACTORS } from '../../extractors/index.js';
import { loadSourceProject } from '../../extractors/project.js';
import { runExtractors, type ExtractionResult } from '../../extractors/run.js';
import type { ExtractionWarning, Extractor, SourceProject } from '../../extractors/types.js';
import type { LlmConfig } from '../config/schema.js';
import { ParityError } from '../errors.js';
import { displayPath } from '../paths.js';
import type { ExtractedLlm } from '../spec/schema.js';
import { openStore, type Store } from '../store/store.js';
import { writeDrafts, type DraftsResult } from './drafts.js';
import { storeCache } from './llm/cache.js';
import { describeEndpoints, type LlmRunReport } from './llm/describe.js';

export interface ExtractOptions {
  /** The legacy source directory. */
  source: string;
  cwd: string;
  /** Where drafts are written; nothing is written without it. */
  specsDir?: string;
  only?: string;
  extractors?: readonly Extractor[];
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractReport extends ExtractionResult {
  source: string;
  drafts: DraftsResult | null;
}

export function extractEndpoints(options: ExtractOptions): ExtractReport {
  const { result } = analyse(options);
  const drafts = options.specsDir === undefined ? null : writeDrafts({ specsDir: options.specsDir, cwd: options.cwd, endpoints: result.endpoints });
  return { source: options.source, ...result, drafts };
}

export interface DescribeExtractOptions extends ExtractOptions {
  llm: LlmConfig;
  /** The store holding the description cache. */
  storePath: string;
  /** Where ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL are read from. */
  env: Readonly<Record<string, string | undefined>>;
  /** `--no-cache`: send every endpoint, then refresh the cache with the answers. */
  noCache?: boolean;
  /** Show what would be sent: nothing is sent and nothing is written. */
  dryRun?: boolean;
  /** Dry run: include each request body in the report. */
  includeRequests?: boolean;
}

export interface DescribedExtractReport extends ExtractReport {
  llm: LlmRunReport;
}

/**
 * `parity extract --llm`: extraction, then a description per endpoint by Claude, then the drafts
 * with both. A dry run stops before sending and writes nothing, drafts included.
 */
export async function extractAndDescribe(options: DescribeExtractOptions): Promise<DescribedExtractReport> {
  const { project, result } = analyse(options);
  // Nothing to describe opens (and so creates) no store.
  const store = result.endpoints.length === 0 ? undefined : openCacheStore(options.storePath, options.dryRun ?? false);
  let llm: LlmRunReport;
  try {
    llm = await describeEndpoints({
      endpoints: result.endpoints,
      project,
      config: options.llm,
      env: options.env,
      ...(store && { cache: storeCache(store) }),
      readCache: !options.noCache,
      dryRun: options.dryRun ?? false,
      includeRequests: options.includeRequests ?? false,
    });
  } finally {
    store?.close();
  }
  const descriptions = new Map<string, ExtractedLlm>();
  for (const endpoint of llm.endpoints)
    if (endpoint.description && (endpoint.status === 'described' || endpoint.status === 'cached')) descriptions.set(endpoint.endpoint, endpoint.description);
  const drafts =
    options.specsDir === undefined || options.dryRun
      ? null
      : writeDrafts({ specsDir: options.specsDir, cwd: options.cwd, endpoints: result.endpoints, descriptions });
  return { source: options.source, ...result, drafts, llm };
}

function analyse(options: ExtractOptions): { project: SourceProject; result: ExtractionResult } {
  if (!fs.existsSync(options.source) || !fs.statSync(options.source).isDirectory()) {
    throw new ParityError('USAGE', `legacy source ${displayPath(options.source, options.cwd)} is not a directory`, {
      hint: 'set legacy.source in parity.yaml or pass --source DIR',
    });
  }
  const loadWarnings: ExtractionWarning[] = [];
  const project = loadSourceProject(options.source, (w) => loadWarnings.push(w));
  const result = runExtractors(project, {
    extractors: options.extractors ?? ALL_EXTRACTORS,
    ...(options.only !== undefined && { only: options.only }),
    ...(options.onProgress && { onProgress: options.onProgress }),
  });
  return { project, result: { ...result, warnings: [...loadWarnings, ...result.warnings] } };
}

/**
 * The store for the cache. A dry run only reads, and only a store that exists and is current:
 * without one, everything would be sent, which is what it then shows.
 */
function openCacheStore(file: string, dryRun: boolean): Store | undefined {
  if (!dryRun) return openStore(file);
  if (!fs.existsSync(file)) return undefined;
  try {
    return openStore(file, { readonly: true });
  } catch (error) {
    if (error instanceof ParityError) return undefined;
    throw error;
  }
}
