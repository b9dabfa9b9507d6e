/** The Ruby extractors: Rails and Sinatra, over one shared tree-sitter parse of each file. */
export { railsExtractor } from './rails.js';
export { sinatraExtractor } from './sinatra.js';
