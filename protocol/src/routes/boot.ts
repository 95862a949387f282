import { BOOT_PREFIX, BootMenuQuery } from '../api.ts';
import { defineRoutes, STREAM, TEXT, type RouteSpec } from './route.ts';

/** A boot file: GET and HEAD, Range, If-None-Match and If-Range, the file's sha256 as its ETag. */
const bootFile = (file: string, summary: string) =>
  ({
    method: 'GET',
    mount: '',
    path: `${BOOT_PREFIX}/${file}`,
    head: true,
    auth: 'none',
    area: 'boot',
    summary: `${summary} (Range, If-None-Match, If-Range; its sha256 is the ETag)`,
    responses: { 200: STREAM, 206: STREAM },
  }) as const satisfies RouteSpec;

export const bootRoutes = defineRoutes({
  bootMenu: {
    method: 'GET',
    mount: '',
    path: `${BOOT_PREFIX}/menu.ipxe`,
    auth: 'none',
    area: 'boot',
    query: BootMenuQuery,
    summary: "The PC's iPXE script (`text/plain`, `Cache-Control: no-store`): its queued task, else the menu",
    responses: { 200: TEXT },
  },
  bootKernel: bootFile('vmlinuz', 'The kernel, streamed'),
  bootRamdisk: bootFile('initrd.zst', 'The ramdisk, streamed'),
  bootMemtestBios: bootFile('memtest86+x64.bin', "Debian's memtest86+ for BIOS, when the boot directory holds it"),
  bootMemtestEfi: bootFile('memtest86+x64.efi', "Debian's memtest86+ for UEFI, when the boot directory holds it"),
});
