import { Mac } from '@brume/protocol';
import { newTaskToken } from '../auth.ts';
import type { HostRecord } from '../db/hosts.ts';
import type { BootChoice } from '../ipxe.ts';
import type { DomainContext } from './context.ts';

export interface MenuRequest {
  /** The `mac` query parameter as iPXE sent it (`${netX/mac}`), unchecked. */
  mac: string | undefined;
  /** The server's URL as this PC reaches it. */
  serverUrl: string;
  /** Boot files missing on the server: a PC with a task then boots its disk rather than fail to load the ramdisk. */
  missingBootFiles: readonly string[];
  /** The menu's settings (server flags) and which memtest86+ builds the server holds. */
  menu: { timeoutSeconds: number; unknownHosts: 'local' | 'register'; memtest: { bios: boolean; efi: boolean } };
}

/** The decision, with what the log line needs: the MAC as understood and the host it belongs to. */
export interface MenuDecision {
  choice: BootChoice;
  mac: string | null;
  host: HostRecord | null;
}

/**
 * What a PC that network-boots should do. A registered host with a queued task gets the ramdisk, and with it a new
 * token for that task: the server keeps only token hashes, so the token on the kernel command line must be made here,
 * and the one given before stops working. Anyone else gets the menu, whose default boots the local disk.
 */
export async function decideBoot(ctx: DomainContext, request: MenuRequest): Promise<MenuDecision> {
  const menu = (reason: string, mac: string | null, host: HostRecord | null): MenuDecision => ({
    choice: {
      kind: 'menu',
      serverUrl: request.serverUrl,
      reason,
      hostName: host?.name ?? null,
      timeoutSeconds: request.menu.timeoutSeconds,
      defaultEntry: host === null && request.menu.unknownHosts === 'register' ? 'register' : 'local',
      ramdisk: request.missingBootFiles.length === 0,
      memtest: request.menu.memtest,
    },
    mac,
    host,
  });
  const parsed = Mac.safeParse(request.mac ?? '');
  if (!parsed.success) return menu('no valid MAC address in the request', null, null);
  const mac = parsed.data;
  const host = (await ctx.db.hosts.byMac(mac)) ?? null;
  if (host === null) return menu(`no host registered with MAC ${mac}`, mac, host);
  const local = (reason: string): MenuDecision => menu(reason, mac, host);

  const task = await ctx.db.tasks.oldestQueuedForHost(host.id);
  if (task === undefined) return local(`no task waiting for ${host.name}`);
  if (request.missingBootFiles.length > 0)
    return local(`task ${task.id} waits, but the server lacks ${request.missingBootFiles.join(' and ')}`);
  const { token, tokenHash } = newTaskToken();
  // Only a task still queued gets a new token: one that started or was cancelled meanwhile keeps its state.
  if (!(await ctx.db.tasks.replaceToken(task.id, tokenHash))) return local(`task ${task.id} is no longer waiting`);
  return {
    choice: {
      kind: 'task',
      serverUrl: request.serverUrl,
      taskId: task.id,
      taskKind: task.kind,
      image: task.image,
      hostName: host.name,
      token,
      debug: task.debug,
    },
    mac,
    host,
  };
}
