import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, errorResponses } from '../errors.ts';
import { floorParams, userParams } from '../http-schemas.ts';

/**
 * The dashboards (dashboards/*.html, .js, .css): static files, read once at start-up and served
 * with a strict Content-Security-Policy. The pages need no token to load: the token travels in
 * the URL fragment (`#token=…`, never sent to a server) and all data comes over the
 * authenticated socket.
 */
const files = {
  'floor.html': 'text/html; charset=utf-8',
  'athlete.html': 'text/html; charset=utf-8',
  'coach.html': 'text/html; charset=utf-8',
  'common.js': 'text/javascript; charset=utf-8',
  'floor.js': 'text/javascript; charset=utf-8',
  'athlete.js': 'text/javascript; charset=utf-8',
  'coach.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;
type FileName = keyof typeof files;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function dashboardRoutes(app: FastifyInstance): void {
  const dir = new URL('../../dashboards/', import.meta.url);
  const content = new Map<string, Buffer>();
  for (const name of Object.keys(files)) content.set(name, readFileSync(new URL(name, dir)));

  const send = (reply: FastifyReply, name: FileName) =>
    reply
      .type(files[name])
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(content.get(name));

  const html = { 200: { type: 'string', description: 'HTML page' }, ...errorResponses(400) };
  const page = (path: string, params: object, file: FileName, summary: string) =>
    app.get(
      path,
      { schema: { summary, tags: ['dashboards'], produces: ['text/html'], params, response: html } },
      (_req, reply) => send(reply, file),
    );
  page('/floor/:floorId', floorParams, 'floor.html', 'gym-floor screen (token in the URL fragment: #token=…)');
  page('/coach/:floorId', floorParams, 'coach.html', 'coach view of a floor (token in the URL fragment)');
  page('/athlete/:userId', userParams, 'athlete.html', 'athlete page (token in the URL fragment)');

  app.get(
    '/dashboards/:file',
    {
      schema: {
        summary: 'dashboard scripts and styles',
        tags: ['dashboards'],
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', maxLength: 64 } },
        },
        response: { 200: { type: 'string' }, ...errorResponses(400, 404) },
      },
    },
    async (req, reply) => {
      const { file } = req.params as { file: string };
      if (!Object.hasOwn(files, file)) throw new ApiError('not_found', { what: 'file' });
      return send(reply, file as FileName);
    },
  );
}
