import { BrumeError, routes } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { countingStream } from '../metrics/counting-stream.ts';
import { deleteImage, findImage, imageManifest, listImages, showImage, verifyImage } from '../domain/images.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';
import { sendFile } from './file-download.ts';

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
    if (file === undefined)
      throw new BrumeError('NOT_FOUND', `image ${name} has no file ${fileName}`, {
        detail: { image: name, file: fileName },
      });
    return sendFile(request, reply, {
      ...file,
      open: (range) => countingStream(ctx.store.openRead(name, file.name, range), meters.imageBytesServed),
    });
  });
};
