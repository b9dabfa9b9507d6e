/** Every extractor parity ships; `parity extract` runs those whose framework a codebase uses. */
import { chiExtractor, echoExtractor, ginExtractor, netHttpExtractor } from './go/index.js';
import { expressExtractor } from './javascript/express.js';
import { fastifyExtractor } from './javascript/fastify.js';
import { koaExtractor } from './javascript/koa.js';
import { nestjsExtractor } from './javascript/nestjs.js';
import { djangoExtractor, fastapiExtractor, flaskExtractor } from './python/index.js';
import { railsExtractor } from './ruby/rails.js';
import { sinatraExtractor } from './ruby/sinatra.js';
import type { Extractor } from './types.js';

export const ALL_EXTRACTORS: readonly Extractor[] = [
  expressExtractor,
  koaExtractor,
  fastifyExtractor,
  nestjsExtractor,
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
