import { routes, type RouteSpec } from '@brume/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bootFiles, MEMTEST_FILES, type BootFileName } from '../domain/boot-files.ts';
import { decideBoot } from '../domain/boot-menu.ts';
import { parsePlatform, renderBootScript } from '../ipxe.ts';
import { serverUrl } from '../server-url.ts';
import { routeDefiner } from './define-route.ts';
import type { RouteDeps } from './deps.ts';
import { sendFile } from './file-download.ts';

/**
 * What a network-booting PC fetches, outside /api/v1 and without a token (iPXE has none): its boot script, then the
 * kernel and the ramdisk, streamed with Range and a strong ETag.
 */
export const bootRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { ctx, config, guards }) => {
  const files = bootFiles(config.bootDir);
  const route = routeDefiner(app, guards);

  // No HEAD: every GET issues a new token for a waiting task.
  route(routes.bootMenu, { exposeHeadRoute: false }, async (request, reply) => {
    const missing = await files.missing();
    const memtest = { bios: await files.has(MEMTEST_FILES.bios), efi: await files.has(MEMTEST_FILES.efi) };
    const decision = await decideBoot(ctx, {
      mac: request.query.mac,
      serverUrl: serverUrl(config, request.headers.host),
      missingBootFiles: missing,
      menu: { timeoutSeconds: config.menuTimeoutSeconds, unknownHosts: config.unknownHosts, memtest },
    });
    const { choice } = decision;
    const line = {
      mac: decision.mac ?? request.query.mac ?? null,
      host: decision.host?.name ?? null,
      decision: choice.kind,
    };
    if (choice.kind === 'task')
      request.log.info(
        { ...line, task: choice.taskId, kind: choice.taskKind, image: choice.image, serverUrl: choice.serverUrl },
        'boot menu',
      );
    else
      request.log[missing.length > 0 && decision.host !== null ? 'warn' : 'info'](
        { ...line, reason: choice.reason },
        'boot menu',
      );
    return reply
      .header('cache-control', 'no-store')
      .type('text/plain; charset=utf-8')
      .send(renderBootScript(choice, parsePlatform(request.query.platform)));
  });

  const served: readonly (readonly [RouteSpec, BootFileName])[] = [
    [routes.bootKernel, 'vmlinuz'],
    [routes.bootRamdisk, 'initrd.zst'],
    [routes.bootMemtestBios, MEMTEST_FILES.bios],
    [routes.bootMemtestEfi, MEMTEST_FILES.efi],
  ];
  for (const [fileRoute, name] of served) {
    route(fileRoute, {}, async (request, reply) => {
      const file = await files.open(name);
      return sendFile(request, reply, { ...file, open: (range) => file.stream(range), release: () => file.close() });
    });
  }
};
