import { Readable } from 'node:stream';
import { BrumeError, CHUNK_OFFSET_HEADER, CHUNK_SHA256_HEADER, HeldChunk, Id, ImageFileName, ImageSummary, Sha256, UploadChunkQuery, UploadCommit, UploadListing } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { commitUpload, listUpload, putChunk } from '../domain/uploads.ts';
import { countingStream } from '../metrics/counting-stream.ts';
import type { RouteDeps } from './deps.ts';
import { taskGuard } from './task-guard.ts';

const TaskParams = z.object({ task: Id });
const ChunkParams = z.object({ task: Id, file: ImageFileName });
const ChunkHeaders = z.looseObject({
  [CHUNK_SHA256_HEADER]: Sha256,
  [CHUNK_OFFSET_HEADER]: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
/** A manifest lists every chunk: a whole disk's worth is a few MB of JSON. */
const MANIFEST_LIMIT = 32 * 1024 * 1024;

/** A capture's upload: chunk by chunk, resumable, then one commit that publishes the image. */
export const uploadRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, meters }) => {
  // Chunk bodies are not buffered: the handler streams them to disk, hashing as they come.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  const guard = taskGuard(auth, 'task');

  app.get('/uploads/:task', { onRequest: guard.onRequest, schema: { tags: ['uploads'], params: TaskParams, response: { 200: UploadListing } } }, async (request) =>
    listUpload(ctx, guard.taskOf(request)),
  );

  app.put(
    '/uploads/:task/:file',
    { onRequest: guard.onRequest, schema: { tags: ['uploads'], params: ChunkParams, querystring: UploadChunkQuery, headers: ChunkHeaders, response: { 200: HeldChunk, 201: HeldChunk } } },
    async (request, reply) => {
      const task = guard.taskOf(request);
      if (!(request.body instanceof Readable)) throw new BrumeError('BAD_REQUEST', 'a chunk is sent as Content-Type: application/octet-stream');
      const length = request.headers['content-length'];
      const { created, chunk } = await putChunk(ctx, task, {
        file: request.params.file,
        index: request.query.chunk,
        offset: request.headers[CHUNK_OFFSET_HEADER],
        sha256: request.headers[CHUNK_SHA256_HEADER],
        contentLength: length === undefined ? undefined : Number(length),
        body: countingStream(request.body, meters.uploadBytesReceived),
      });
      return reply.code(created ? 201 : 200).send(chunk);
    },
  );

  app.post(
    '/uploads/:task/commit',
    { bodyLimit: MANIFEST_LIMIT, onRequest: guard.onRequest, schema: { tags: ['uploads'], params: TaskParams, body: UploadCommit, response: { 200: ImageSummary } } },
    async (request) => commitUpload(ctx, guard.taskOf(request), request.body.manifest),
  );
};
