import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { errorTable } from './errors.ts';

/** The OpenAPI document, built from the routes' schemas; served at /docs and /docs/json. */
export function errorsMarkdown(): string {
  const rows = Object.entries(errorTable).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.message} |`);
  return ['| error | status | message |', '|---|---|---|', ...rows].join('\n');
}

export function registerDocs(app: FastifyInstance, version: string): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'pulsecoach',
        version,
        description:
          'Real-time engine that turns wearable telemetry into exercise suggestions. ' +
          'Authenticated routes take `Authorization: Bearer <token>` (`pulsecoach token`). ' +
          'Live data flows over socket.io namespaces /floor, /coach and /athlete (`auth: {token}`).\n\n' +
          'Every error answers `{"error": code, "message": text}`:\n\n' +
          errorsMarkdown(),
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
}

export function docsRoutes(app: FastifyInstance): void {
  const schema = { hide: true, response: { 200: { type: 'object', additionalProperties: true } } };
  app.get('/docs', { schema }, async () => app.swagger());
  app.get('/docs/json', { schema }, async () => app.swagger());
}
