import { Readable } from 'node:stream';
import { BrumeError, CHUNK_OFFSET_HEADER, CHUNK_SHA256_HEADER, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { commitUpload, listUpload, putChunk } from '../domain/uploads.ts';
import { countingStream } from '../metrics/counting-stream.ts';
import { watchBodyIdle } from '../network-timeouts.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

/** A manifest lists every chunk: a whole disk's worth is a few MB of JSON. */
const MANIFEST_LIMIT = 32 * 1024 * 1024;

/** A capture's upload: chunk by chunk, resumable, then one commit that publishes the image. */
export const uploadRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, meters, config }) => {
  // Chunk bodies are not buffered: the handler streams them to disk, hashing as they come.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  // A chunk refused before its body was read (403, 409, 413): the connection closes after the answer, so the server
  // neither reads up to 64 MiB it will drop nor keeps a connection whose body nobody reads.
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode >= 400 && !request.raw.complete) reply.header('connection', 'close');
  });
  const route = routeDefiner(app, guards);

  route(routes.uploadListing, {}, async (_request, _reply, task) => listUpload(ctx, task));

  route(routes.uploadChunk, {}, async (request, reply, task) => {
    if (!(request.body instanceof Readable))
      throw new BrumeError('BAD_REQUEST', 'a chunk is sent as Content-Type: application/octet-stream');
    const length = request.headers['content-length'];
    const disarm = watchBodyIdle(request.raw, config.timeouts.bodyIdleSeconds);
    try {
      const { created, chunk } = await putChunk(ctx, task, {
        file: request.params.file,
        index: request.query.chunk,
        offset: request.headers[CHUNK_OFFSET_HEADER],
        sha256: request.headers[CHUNK_SHA256_HEADER],
        contentLength: length === undefined ? undefined : Number(length),
        body: countingStream(request.body, meters.uploadBytesReceived),
        hangUp: () => request.raw.destroy(),
      });
      return reply.code(created ? 201 : 200).send(chunk);
    } finally {
      disarm();
    }
  });

  route(routes.uploadCommit, { bodyLimit: MANIFEST_LIMIT }, async (request, _reply, task) =>
    commitUpload(ctx, task, request.body.manifest),
  );
};
