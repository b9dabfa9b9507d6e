import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface RouteMethods {
  pattern: RegExp;
  methods: string[];
}

/** A request URL's path, without its query string. */
export function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/**
 * The service's paths and their methods, collected as routes are registered (create it before
 * registering any). Answers what the router alone cannot: which methods a path allows, and
 * whether a path names a route at all whatever its method.
 */
export class RouteTable {
  private readonly routes = new Map<string, RouteMethods>();

  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (route) => {
      const url = route.url.replace(/\/+$/, '') || '/';
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((method) => method !== 'HEAD' && method !== 'OPTIONS');
      if (methods.length === 0) return;
      const entry = this.routes.get(url) ?? { pattern: new RegExp(`^${url.replace(/:[^/]+/g, '[^/]+')}/?$`, 'i'), methods: [] };
      for (const method of methods) if (!entry.methods.includes(method)) entry.methods.push(method);
      this.routes.set(url, entry);
    });
  }

  /** Whether any route, of any method, has this path. */
  isRouted(url: string): boolean {
    const path = pathOf(url);
    return [...this.routes.values()].some(({ pattern }) => pattern.test(path));
  }

  /** The methods of a path, `HEAD` listed with `GET`: `GET,PATCH,HEAD`. */
  allowedMethods(url: string): string | undefined {
    const path = pathOf(url);
    const methods: string[] = [];
    for (const { pattern, methods: own } of this.routes.values()) {
      if (!pattern.test(path)) continue;
      for (const method of own.includes('GET') ? [...own, 'HEAD'] : own) if (!methods.includes(method)) methods.push(method);
    }
    return methods.length > 0 ? methods.join(',') : undefined;
  }

  /**
   * `OPTIONS` on a known path is answered as the service always has: 200, the path's methods in
   * `Allow` and as the (text) body. False when the request is not one.
   */
  answerOptions(request: FastifyRequest, reply: FastifyReply): boolean {
    if (request.method !== 'OPTIONS') return false;
    const allow = this.allowedMethods(request.url);
    if (allow === undefined) return false;
    void reply.code(200).header('allow', allow).type('text/html; charset=utf-8').send(allow);
    return true;
  }
}
