/** Every extractor parity ships; `parity extract` runs those whose framework a codebase uses. */
import { chiExtractor, echoExtractor, ginExtractor, netHttpExtractor } from './go/index.js';
import { expressExtractor } from './javascript/express.js';
import { djangoExtractor, fastapiExtractor, flaskExtractor } from './python/index.js';
import { railsExtractor } from './ruby/rails.js';
import { sinatraExtractor } from './ruby/sinatra.js';
import type { Extractor } from './types.js';

export const ALL_EXTRACTORS: readonly Extractor[] = [
  expressExtractor,
  railsExtractor,
  sinatraExtractor,
  flaskExtractor,
  djangoExtractor,
  fastapiExtractor,
  netHttpExtractor,
  ginExtractor,
  chiExtractor,
  echoExtractor,
];
