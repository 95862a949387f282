import type { Readable } from 'node:stream';
import { BrumeError } from '@brume/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { planDownload, type DownloadableFile, type DownloadRange } from '../domain/downloads.ts';
import { sendError } from '../http-errors.ts';

/** A file to answer a GET or HEAD with: its size and sha256, and how to read its bytes. */
export interface FileToSend extends DownloadableFile {
  /** The whole file (null) or an inclusive range, read only when the answer has a body. */
  open(range: DownloadRange | null): Readable;
  /** Called instead of `open` when the answer has no body (HEAD, 304, 416), for a file held open since it was measured. */
  release?(): Promise<void>;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/**
 * Every file the server streams (boot files, image files, virus signatures) is answered here, the same way: Range,
 * If-None-Match and If-Range as planDownload decides, a strong ETag, and a 416 that says in the usual error body why.
 */
export async function sendFile(request: FastifyRequest, reply: FastifyReply, file: FileToSend): Promise<FastifyReply> {
  const range = header(request, 'range');
  const plan = planDownload(file, {
    range,
    ifNoneMatch: header(request, 'if-none-match'),
    ifRange: header(request, 'if-range'),
  });
  reply.code(plan.status).headers(plan.headers);
  if (!plan.body || request.method === 'HEAD') {
    await file.release?.();
    if (plan.status !== 416 || request.method === 'HEAD') return reply.send();
    const message = `the range ${range ?? ''} starts past the end of the file (${file.bytes} bytes)`;
    return sendError(
      new BrumeError('RANGE_NOT_SATISFIABLE', message, { detail: { range, bytes: file.bytes } }),
      request,
      reply,
    );
  }
  return reply.type('application/octet-stream').send(file.open(plan.range));
}
