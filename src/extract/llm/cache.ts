/**
 * Descriptions kept in the store (table `llm_cache`, migration 7) by endpoint, source hash, model
 * and prompt version, so a re-run over unchanged code sends nothing. A row is reused only when the
 * exact request it answered is the one that would be sent now (its input hash), and only when it
 * still validates: the cache is parsed, not trusted.
 */
import type { Store } from '../../store/store.js';
import { ExtractedLlmSchema, type ExtractedLlm } from '../../spec/schema.js';

export interface CacheKey {
  endpoint: string;
  sourceHash: string;
  model: string;
  promptVersion: string;
}

export interface CachedDescription {
  inputHash: string;
  result: ExtractedLlm;
  inputTokens: number;
  outputTokens: number;
}

export interface LlmCache {
  get(key: CacheKey): CachedDescription | undefined;
  put(key: CacheKey, value: CachedDescription): void;
}

interface Row {
  input_hash: string;
  result: string;
  input_tokens: number;
  output_tokens: number;
}

export function storeCache(store: Store): LlmCache {
  const select = store.db.prepare<[string, string, string, string], Row>(
    'SELECT input_hash, result, input_tokens, output_tokens FROM llm_cache WHERE endpoint = ? AND source_hash = ? AND model = ? AND prompt_version = ?',
  );
  const upsert = store.readonly
    ? undefined
    : store.db.prepare(
        `INSERT INTO llm_cache (endpoint, source_hash, model, prompt_version, input_hash, result, input_tokens, output_tokens, at)
         VALUES (@endpoint, @sourceHash, @model, @promptVersion, @inputHash, @result, @inputTokens, @outputTokens, @at)
         ON CONFLICT (endpoint, source_hash, model, prompt_version) DO UPDATE SET
           input_hash = excluded.input_hash, result = excluded.result, input_tokens = excluded.input_tokens,
           output_tokens = excluded.output_tokens, at = excluded.at`,
      );
  return {
    get(key) {
      const row = select.get(key.endpoint, key.sourceHash, key.model, key.promptVersion);
      if (!row) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(row.result);
      } catch {
        return undefined;
      }
      const parsed = ExtractedLlmSchema.safeParse(json);
      if (!parsed.success) return undefined;
      return { inputHash: row.input_hash, result: parsed.data, inputTokens: row.input_tokens, outputTokens: row.output_tokens };
    },
    put(key, value) {
      upsert?.run({
        ...key,
        inputHash: value.inputHash,
        result: JSON.stringify(value.result),
        inputTokens: value.inputTokens,
        outputTokens: value.outputTokens,
        at: Date.now(),
      });
    },
  };
}
