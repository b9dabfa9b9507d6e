/** Every extractor parity ships; `parity extract` runs those whose framework a codebase uses. */
import { expressExtractor } from './javascript/express.js';
import type { Extractor } from './types.js';

export const ALL_EXTRACTORS: readonly Extractor[] = [expressExtractor];
