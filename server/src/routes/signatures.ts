import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BrumeError, CHUNK_SHA256_HEADER, Id, Sha256, SignatureFile, SignatureFileName, SignatureList } from '@brume/protocol';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkSignatureReader, deleteSignature, findSignature, listSignatures, uploadSignature, type SignatureSources } from '../domain/signatures.ts';
import { openSignature, signatureDir } from '../store/signatures-dir.ts';
import type { RouteDeps } from './deps.ts';
import { sendFile } from './file-download.ts';
import { taskGuard } from './task-guard.ts';

const NameParams = z.object({ name: SignatureFileName });
const TaskParams = z.object({ id: Id });
const TaskFileParams = z.object({ id: Id, name: SignatureFileName });
const UploadHeaders = z.looseObject({ [CHUNK_SHA256_HEADER]: Sha256.optional() });

/**
 * ClamAV signatures (issue 8): the admin uploads, lists and deletes them; the agent of a running virus-scan task lists
 * and downloads them with its own token (GET, HEAD, Range, the sha256 as ETag, as image files are served).
 */
export const signatureRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { auth, config }) => {
  if (config.signaturesDir !== null) {
    const info = await stat(config.signaturesDir).catch(() => undefined);
    if (info?.isDirectory() !== true) throw new BrumeError('BAD_REQUEST', `--signatures ${config.signaturesDir}: not a directory`);
  }
  const digests = new Map<string, string>();
  const sources: SignatureSources = {
    uploads: signatureDir(join(config.dataDir, 'signatures'), true, digests),
    mirror: config.signaturesDir === null ? null : signatureDir(config.signaturesDir, false, digests),
  };
  // An upload's body is not buffered: the store streams it to disk, hashing as it comes.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  const admin = async (request: FastifyRequest): Promise<void> => auth.admin(request.headers.authorization);
  const scanner = taskGuard(auth, 'id');

  app.get('/signatures', { onRequest: admin, schema: { tags: ['signatures'], response: { 200: SignatureList } } }, async () => listSignatures(sources));

  app.put(
    '/signatures/:name',
    { onRequest: admin, schema: { tags: ['signatures'], params: NameParams, headers: UploadHeaders, response: { 200: SignatureFile, 201: SignatureFile } } },
    async (request, reply) => {
      if (!(request.body instanceof Readable)) throw new BrumeError('BAD_REQUEST', 'a signature file is sent as Content-Type: application/octet-stream');
      const { created, file } = await uploadSignature(sources, request.params.name, request.body, request.headers[CHUNK_SHA256_HEADER]);
      return reply.code(created ? 201 : 200).send(file);
    },
  );

  app.delete('/signatures/:name', { onRequest: admin, schema: { tags: ['signatures'], params: NameParams } }, async (request, reply) => {
    await deleteSignature(sources, request.params.name);
    return reply.code(204).send();
  });

  app.get('/tasks/:id/signatures', { onRequest: scanner.onRequest, schema: { tags: ['agent'], params: TaskParams, response: { 200: SignatureList } } }, async (request) => {
    checkSignatureReader(scanner.taskOf(request));
    return listSignatures(sources);
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/tasks/:id/signatures/:name',
    onRequest: scanner.onRequest,
    schema: { tags: ['agent'], params: TaskFileParams },
    handler: async (request, reply) => {
      checkSignatureReader(scanner.taskOf(request));
      const file = await findSignature(sources, request.params.name);
      return sendFile(request, reply, { ...file, open: (range) => openSignature(file, range) });
    },
  });
};
