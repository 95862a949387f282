import { BrumeError, ImageDetail, ImageFileName, ImageList, ImageName, ImageVerification, Manifest } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countingStream } from '../metrics/counting-stream.ts';
import { deleteImage, findImage, imageManifest, listImages, showImage, verifyImage } from '../domain/images.ts';
import type { RouteDeps } from './deps.ts';
import { sendFile } from './file-download.ts';

const NameParams = z.object({ name: ImageName });
const FileParams = z.object({ name: ImageName, file: ImageFileName });

/** Published images: admin listing and care; manifest and files for the admin and the deploy tasks of each image. */
export const imageRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, auth, meters }) => {
  const admin = async (request: FastifyRequest): Promise<void> => auth.admin(request.headers.authorization);

  app.get('/images', { onRequest: admin, schema: { tags: ['images'], response: { 200: ImageList } } }, async () => listImages(ctx));

  app.get('/images/:name', { onRequest: admin, schema: { tags: ['images'], params: NameParams, response: { 200: ImageDetail } } }, async (request) =>
    showImage(ctx, request.params.name),
  );

  app.post('/images/:name/verify', { onRequest: admin, schema: { tags: ['images'], params: NameParams, response: { 200: ImageVerification } } }, async (request) =>
    verifyImage(ctx, request.params.name),
  );

  app.delete('/images/:name', { onRequest: admin, schema: { tags: ['images'], params: NameParams } }, async (request, reply) => {
    await deleteImage(ctx, request.params.name);
    return reply.code(204).send();
  });

  app.get('/images/:name/manifest', { schema: { tags: ['images'], params: NameParams, response: { 200: Manifest } } }, async (request) => {
    await auth.imageReader(request.headers.authorization, request.params.name);
    return imageManifest(ctx, request.params.name);
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/images/:name/files/:file',
    schema: { tags: ['images'], params: FileParams },
    handler: async (request, reply) => {
      const { name, file: fileName } = request.params;
      await auth.imageReader(request.headers.authorization, name);
      const file = (await findImage(ctx, name)).files.find((candidate) => candidate.name === fileName);
      if (file === undefined) throw new BrumeError('NOT_FOUND', `image ${name} has no file ${fileName}`, { detail: { image: name, file: fileName } });
      return sendFile(request, reply, { ...file, open: (range) => countingStream(ctx.store.openRead(name, file.name, range), meters.imageBytesServed) });
    },
  });
};
