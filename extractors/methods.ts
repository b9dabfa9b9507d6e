/**
 * HTTP methods routers accept that a spec's method cannot be (TRACE, CONNECT, WebDAV), for every
 * language: such a route is reported with one message, never dropped in silence and never read
 * as "any method".
 */

/** By the lower-case name a router's method has (`router.trace`, `"TRACE /x"` lower-cased). */
export const UNSUPPORTED_ROUTE_METHODS: ReadonlySet<string> = new Set([
  'trace',
  'connect',
  'propfind',
  'proppatch',
  'mkcol',
  'copy',
  'move',
  'lock',
  'unlock',
  'purge',
  'search',
  'report',
  'mkactivity',
  'checkout',
  'merge',
  'notify',
  'subscribe',
  'unsubscribe',
  'link',
  'unlink',
  'acl',
  'bind',
  'rebind',
  'unbind',
  'source',
]);

export function unsupportedMethodWarning(method: string): string {
  return `a ${method.toUpperCase()} route is not one a spec can describe (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS); it is left out`;
}
