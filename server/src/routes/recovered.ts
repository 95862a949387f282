import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BrumeError, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  commitRecovered,
  listRecovered,
  putRecoveredPiece,
  RECOVERED_DEFAULTS,
  recoveredFilePath,
  type RecoveredStore,
} from '../domain/recovered.ts';
import { watchBodyIdle } from '../network-timeouts.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/**
 * A recovery's files on the server: the agent sends each in pieces with its task token and commits it by sha256; the
 * admin lists them and fetches one (`brume task recovered ID [--get FILE --out PATH]`).
 */
export const recoveredRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, config }) => {
  const store: RecoveredStore = { dataDir: config.dataDir, ...RECOVERED_DEFAULTS };
  // Piece bodies are not buffered: the handler writes them to disk as they come.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  const route = routeDefiner(app, guards);

  route(routes.recoveredPiece, {}, async (request, _reply, task) => {
    if (!(request.body instanceof Readable))
      throw new BrumeError('BAD_REQUEST', 'a piece is sent as Content-Type: application/octet-stream');
    const length = request.headers['content-length'];
    // A piece body gone silent is dropped, so the recovery's lock it holds is released.
    const disarm = watchBodyIdle(request.raw, config.timeouts.bodyIdleSeconds);
    try {
      return await putRecoveredPiece(ctx, store, task, {
        name: request.params.file,
        offset: request.query.offset,
        contentLength: length === undefined ? undefined : Number(length),
        body: request.body,
      });
    } finally {
      disarm();
    }
  });

  route(routes.recoveredCommit, {}, async (request, _reply, task) =>
    commitRecovered(ctx, store, task, request.params.file, request.body),
  );

  route(routes.taskRecoveredList, {}, async (request) => listRecovered(ctx, store, request.params.id));

  route(routes.taskRecoveredFile, {}, async (request, reply) => {
    const { path, bytes } = await recoveredFilePath(ctx, store, request.params.id, request.params.file);
    return reply.type('application/octet-stream').header('content-length', bytes).send(createReadStream(path));
  });
};
