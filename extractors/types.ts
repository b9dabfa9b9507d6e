/**
 * What every extractor produces: one record per endpoint, each fact citing `file:line` evidence
 * relative to the source root. The shapes of params, guards, outcomes, side effects and volatile
 * fields are the spec format's own (`extracted` in src/spec/schema.ts), so a draft is written
 * from them without translation.
 */
import type { Extracted, HttpMethod } from '../src/spec/schema.js';

export type Param = NonNullable<Extracted['params']>[number];
export type Guard = NonNullable<Extracted['guards']>[number];
export type Outcome = NonNullable<Extracted['outcomes']>[number];
export type SideEffect = NonNullable<Extracted['side_effects']>[number];
export type Volatile = NonNullable<Extracted['volatile']>[number];

export interface EndpointFacts {
  /** `*` for a route that answers any method. */
  method: HttpMethod | '*';
  /** OpenAPI-style template with every prefix applied: `/invoices/{invoice_id}/refunds`. */
  path: string;
  /** The framework that declared the route: `express`, `rails`, `gin`, ... */
  framework: string;
  /** The handler's span, `file:start-end`. */
  handler: string;
  params: Param[];
  guards: Guard[];
  outcomes: Outcome[];
  side_effects: SideEffect[];
  volatile: Volatile[];
  /** sha256 over the handler and the same-repo helpers it calls, to a bounded depth. */
  source_hash: string;
}

export interface ExtractionWarning {
  file: string;
  line: number;
  message: string;
}

/** The legacy codebase, read once: paths are relative to `root`, with `/` separators. */
export interface SourceProject {
  root: string;
  /** Every source file, sorted. */
  files: readonly string[];
  read(file: string): string;
}

export interface ExtractorContext {
  project: SourceProject;
  warn(warning: ExtractionWarning): void;
  /** Called after each file an extractor has finished with, for progress display. */
  progress?(file: string): void;
}

export interface Extractor {
  /** The framework name written into `extracted.framework`. */
  name: string;
  language: 'javascript' | 'ruby' | 'python' | 'go';
  /** Cheap: does this codebase use the framework at all (manifest dependencies, imports)? */
  detect(project: SourceProject): boolean;
  /**
   * Where an app or router of the framework is made (`express()`, `Flask(__name__)`): when the
   * framework is detected and no route of it is found, the warning points at the first match.
   */
  entryPoint?: RegExp;
  extract(context: ExtractorContext): EndpointFacts[];
}
