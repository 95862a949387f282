import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BrumeError, Id, RecoveredCommit, RecoveredFileName, RecoveredList, RecoveredPieceHeld, RecoveredPieceQuery, RecoveredStored } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commitRecovered, listRecovered, putRecoveredPiece, RECOVERED_DEFAULTS, recoveredFilePath, type RecoveredStore } from '../domain/recovered.ts';
import type { RouteDeps } from './deps.ts';
import { taskGuard } from './task-guard.ts';

const FileParams = z.object({ task: Id, file: RecoveredFileName });
const IdParams = z.object({ id: Id });
const IdFileParams = z.object({ id: Id, file: RecoveredFileName });

/**
 * A recovery's files on the server (issue 8): the agent sends each in pieces with its task token and commits it by
 * sha256; the admin lists them and fetches one (`brume task recovered ID [--get FILE --out PATH]`).
 */
export const recoveredRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, config }) => {
  const store: RecoveredStore = { dataDir: config.dataDir, ...RECOVERED_DEFAULTS };
  // Piece bodies are not buffered: the handler writes them to disk as they come.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  const guard = taskGuard(auth, 'task');
  const admin = async (request: FastifyRequest): Promise<void> => auth.admin(request.headers.authorization);

  app.put(
    '/recovered/:task/:file',
    { onRequest: guard.onRequest, schema: { tags: ['recovered'], params: FileParams, querystring: RecoveredPieceQuery, response: { 200: RecoveredPieceHeld } } },
    async (request) => {
      if (!(request.body instanceof Readable)) throw new BrumeError('BAD_REQUEST', 'a piece is sent as Content-Type: application/octet-stream');
      const length = request.headers['content-length'];
      return putRecoveredPiece(ctx, store, guard.taskOf(request), {
        name: request.params.file, offset: request.query.offset, contentLength: length === undefined ? undefined : Number(length), body: request.body,
      });
    },
  );

  app.post(
    '/recovered/:task/:file/commit',
    { onRequest: guard.onRequest, schema: { tags: ['recovered'], params: FileParams, body: RecoveredCommit, response: { 200: RecoveredStored } } },
    async (request) => commitRecovered(ctx, store, guard.taskOf(request), request.params.file, request.body),
  );

  app.get('/tasks/:id/recovered', { onRequest: admin, schema: { tags: ['recovered'], params: IdParams, response: { 200: RecoveredList } } }, async (request) =>
    listRecovered(ctx, store, request.params.id),
  );

  app.get('/tasks/:id/recovered/:file', { onRequest: admin, schema: { tags: ['recovered'], params: IdFileParams } }, async (request, reply) => {
    const { path, bytes } = await recoveredFilePath(ctx, store, request.params.id, request.params.file);
    return reply.type('application/octet-stream').header('content-length', bytes).send(createReadStream(path));
  });
};
