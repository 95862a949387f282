import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BrumeError, CHUNK_SHA256_HEADER, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  checkSignatureReader,
  deleteSignature,
  findSignature,
  listSignatures,
  uploadSignature,
  type SignatureSources,
} from '../domain/signatures.ts';
import { openSignature, signatureDir } from '../store/signatures-dir.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';
import { sendFile } from './file-download.ts';

/**
 * ClamAV signatures: the admin uploads, lists and deletes them; the agent of a running virus-scan task lists
 * and downloads them with its own token (GET, HEAD, Range, the sha256 as ETag, as image files are served).
 */
export const signatureRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { guards, config }) => {
  if (config.signaturesDir !== null) {
    const info = await stat(config.signaturesDir).catch(() => undefined);
    if (info?.isDirectory() !== true)
      throw new BrumeError('BAD_REQUEST', `--signatures ${config.signaturesDir}: not a directory`);
  }
  const digests = new Map<string, string>();
  const sources: SignatureSources = {
    uploads: signatureDir(join(config.dataDir, 'signatures'), true, digests),
    mirror: config.signaturesDir === null ? null : signatureDir(config.signaturesDir, false, digests),
  };
  // An upload's body is not buffered: the store streams it to disk, hashing as it comes.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  const route = routeDefiner(app, guards);

  route(routes.signatureList, {}, async () => listSignatures(sources));

  route(routes.signatureUpload, {}, async (request, reply) => {
    if (!(request.body instanceof Readable))
      throw new BrumeError('BAD_REQUEST', 'a signature file is sent as Content-Type: application/octet-stream');
    const { created, file } = await uploadSignature(
      sources,
      request.params.name,
      request.body,
      request.headers[CHUNK_SHA256_HEADER],
    );
    return reply.code(created ? 201 : 200).send(file);
  });

  route(routes.signatureDelete, {}, async (request, reply) => {
    await deleteSignature(sources, request.params.name);
    return reply.code(204).send();
  });

  route(routes.taskSignatures, {}, async (_request, _reply, task) => {
    checkSignatureReader(task);
    return listSignatures(sources);
  });

  route(routes.taskSignatureFile, {}, async (request, reply, task) => {
    checkSignatureReader(task);
    const file = await findSignature(sources, request.params.name);
    return sendFile(request, reply, { ...file, open: (range) => openSignature(file, range) });
  });
};
