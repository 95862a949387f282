import { BrumeError, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { planDownload } from '../domain/downloads.ts';
import { countingStream } from '../metrics/counting-stream.ts';
import { deleteImage, findImage, imageManifest, listImages, showImage, verifyImage } from '../domain/images.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** Published images: admin listing and care; manifest and files for the admin and the deploy tasks of each image. */
export const imageRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, guards, meters }) => {
  const route = routeDefiner(app, guards);
  route(routes.imageList, {}, async () => listImages(ctx));
  route(routes.imageShow, {}, async (request) => showImage(ctx, request.params.name));
  route(routes.imageVerify, {}, async (request) => verifyImage(ctx, request.params.name));
  route(routes.imageDelete, {}, async (request, reply) => {
    await deleteImage(ctx, request.params.name);
    return reply.code(204).send();
  });
  route(routes.imageManifest, {}, async (request) => imageManifest(ctx, request.params.name));
  route(routes.imageFile, {}, async (request, reply) => {
    const { name, file: fileName } = request.params;
    const file = (await findImage(ctx, name)).files.find((candidate) => candidate.name === fileName);
    if (file === undefined) throw new BrumeError('NOT_FOUND', `image ${name} has no file ${fileName}`, { detail: { image: name, file: fileName } });
    const plan = planDownload(file, { range: header(request, 'range'), ifNoneMatch: header(request, 'if-none-match'), ifRange: header(request, 'if-range') });
    reply.code(plan.status).headers(plan.headers);
    if (!plan.body || request.method === 'HEAD') return reply.send();
    return reply.type('application/octet-stream').send(countingStream(ctx.store.openRead(name, file.name, plan.range), meters.imageBytesServed));
  });
};
