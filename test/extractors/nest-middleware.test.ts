/**
 * NestJS middleware applied in a module's `configure(consumer)`: `apply(...).exclude(...)
 * .forRoutes(...)` by controller, by path with `*` and by `{ path, method }`, each middleware
 * class read through its `use()` (one that rejects is required, one that only reads a token is
 * optional), and the 401 it answers.
 */
import { describe, expect, it } from 'vitest';
import { nestjsExtractor } from '../../extractors/javascript/nestjs.js';
import { inMemoryProject } from '../../extractors/project.js';
import { authClassOf } from '../../extractors/score.js';
import type { EndpointFacts } from '../../extractors/types.js';

const FILES: Record<string, string> = {
  'package.json': '{"dependencies": {"@nestjs/core": "^10.0.0", "@nestjs/common": "^10.0.0"}}',
  'src/auth.middleware.ts': `import { Injectable, NestMiddleware, UnauthorizedException } from '@nestjs/common';
@Injectable()
export class AuthMiddleware implements NestMiddleware {
  use(req: any, res: any, next: () => void) {
    if (!req.headers.authorization) throw new UnauthorizedException();
    next();
  }
}
@Injectable()
export class UserContextMiddleware implements NestMiddleware {
  use(req: any, res: any, next: () => void) {
    const token = req.headers.authorization;
    if (token) req.user = decode(token);
    next();
  }
}
`,
  'src/articles.controller.ts': `import { Controller, Get, Post, Body } from '@nestjs/common';
@Controller('articles')
export class ArticlesController {
  @Get()
  list() { return []; }
  @Post()
  create(@Body() body: any) { return body; }
}
`,
  'src/health.controller.ts': `import { Controller, Get } from '@nestjs/common';
@Controller('health')
export class HealthController {
  @Get()
  check() { return { ok: true }; }
}
`,
  'src/app.module.ts': `import { Module, NestModule, MiddlewareConsumer, RequestMethod } from '@nestjs/common';
import { AuthMiddleware, UserContextMiddleware } from './auth.middleware';
import { ArticlesController } from './articles.controller';
import { HealthController } from './health.controller';
@Module({ controllers: [ArticlesController, HealthController] })
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(UserContextMiddleware).forRoutes('*');
    consumer
      .apply(AuthMiddleware)
      .exclude({ path: 'articles', method: RequestMethod.GET })
      .forRoutes(ArticlesController);
  }
}
`,
};

function extract(): Map<string, EndpointFacts> {
  const project = inMemoryProject('/app', (file) => FILES[file] ?? '', Object.keys(FILES));
  return new Map(nestjsExtractor.extract({ project, warn: () => undefined }).map((e) => [`${e.method} ${e.path}`, e]));
}

describe('NestJS module middleware', () => {
  it('applies each chain to the routes it names, less the excluded, with required or optional from the middleware body', () => {
    const endpoints = extract();
    expect(authClassOf(endpoints.get('POST /articles')!)).toBe('required');
    expect(authClassOf(endpoints.get('GET /articles')!)).toBe('optional');
    expect(authClassOf(endpoints.get('GET /health')!)).toBe('optional');
    expect(
      endpoints
        .get('POST /articles')!
        .outcomes.map((o) => o.status)
        .sort(),
    ).toEqual([201, 401]);
    expect(endpoints.get('GET /articles')!.outcomes.map((o) => o.status)).toEqual([200]);
  });
});
