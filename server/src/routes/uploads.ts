import { Readable } from 'node:stream';
import { BrumeError, CHUNK_OFFSET_HEADER, CHUNK_SHA256_HEADER, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { commitUpload, listUpload, putChunk } from '../domain/uploads.ts';
import { countingStream } from '../metrics/counting-stream.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** A manifest lists every chunk: a whole disk's worth is a few MB of JSON. */
const MANIFEST_LIMIT = 32 * 1024 * 1024;

/** A capture's upload: chunk by chunk, resumable, then one commit that publishes the image. */
export const uploadRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, meters }) => {
  // Chunk bodies are not buffered: the handler streams them to disk, hashing as they come.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  const route = routeDefiner(app, guards);

  route(routes.uploadListing, {}, async (_request, _reply, task) => listUpload(ctx, task));

  route(routes.uploadChunk, {}, async (request, reply, task) => {
    if (!(request.body instanceof Readable))
      throw new BrumeError('BAD_REQUEST', 'a chunk is sent as Content-Type: application/octet-stream');
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
  });

  route(routes.uploadCommit, { bodyLimit: MANIFEST_LIMIT }, async (request, _reply, task) =>
    commitUpload(ctx, task, request.body.manifest),
  );
};
