/** Small things both Ruby extractors share. */
import type { EndpointFacts, ExtractorContext } from '../types.js';

/** `{id}` names of an OpenAPI-style path template. */
export function pathParamsOf(path: string): Set<string> {
  return new Set([...path.matchAll(/\{([^}*]+)\*?\}/g)].map((m) => m[1]!));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Path, then method, then handler: the order every extractor returns. */
export function compareEndpoints(a: EndpointFacts, b: EndpointFacts): number {
  return cmp(a.path, b.path) || cmp(a.method, b.method) || cmp(a.handler, b.handler);
}

/** The context with each distinct warning passed on once (several verbs of one route line share a problem). */
export function onceEach(context: ExtractorContext): ExtractorContext {
  const seen = new Set<string>();
  return {
    ...context,
    warn(warning) {
      const k = `${warning.file}\0${warning.line}\0${warning.message}`;
      if (seen.has(k)) return;
      seen.add(k);
      context.warn(warning);
    },
  };
}
