import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BrumeError, toBrumeError } from '@brume/protocol';
import { z } from 'zod';
import {
  DEBIAN_IPXE_DIR,
  DEFAULT_SERVER_PORT,
  IPXE_BIOS_FILE,
  IPXE_UEFI_FILE,
  parseIpAddrJson,
  renderDnsmasqConfig,
  type InterfaceAddress,
} from './dnsmasq-config.ts';
import { processTerminal, type Terminal } from './output.ts';

export const dnsmasqUsage =
  '  brume dnsmasq-config --interface IF [--server URL] [--tftp-root DIR]   # prints a proxy-DHCP + TFTP dnsmasq.conf\n';

export interface DnsmasqRuntime {
  term: Terminal;
  /** The interface's IPv4 address; by default from `ip -j addr show dev IF`. */
  readInterface: (name: string) => Promise<InterfaceAddress>;
  fileExists: (path: string) => boolean;
}

/** Interface names as the kernel allows them (IFNAMSIZ), nothing a config line could be broken by. */
const InterfaceName = z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/, 'a network interface name such as eth0 or enp3s0');
/** A URL that survives a dnsmasq line and a DHCP file name: no spaces, commas, quotes or #. */
const ServerUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .refine((url) => !/[\s,"'#]/.test(url), 'a URL without spaces, commas, quotes or #')
  .transform((url) => url.replace(/\/+$/, ''));

/** `ip -j addr show dev IF`, read through the thin edge every other caller may replace. */
export function ipAddrShow(name: string): Promise<InterfaceAddress> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-j', 'addr', 'show', 'dev', name], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(
          new BrumeError('BAD_REQUEST', `no usable network interface ${name}: ${(stderr || error.message).trim()}`),
        );
        return;
      }
      try {
        resolve(parseIpAddrJson(name, stdout));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

function parseFlags(argv: readonly string[]): {
  values: { interface?: string; server?: string; 'tftp-root'?: string; help?: boolean };
} {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        interface: { type: 'string' },
        server: { type: 'string' },
        'tftp-root': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new BrumeError('BAD_REQUEST', (error as Error).message);
  }
}

function checked<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BrumeError('BAD_REQUEST', `${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/**
 * `brume dnsmasq-config --interface IF [--server URL] [--tftp-root DIR]`: prints the configuration on stdout. A local
 * command: it needs no server and no token. 0 on success, 2 on bad input (an unknown interface included).
 */
export async function runDnsmasqConfig(
  argv: readonly string[],
  runtime: Partial<DnsmasqRuntime> = {},
): Promise<number> {
  const term = runtime.term ?? processTerminal();
  try {
    const { values } = parseFlags(argv);
    if (values.help === true) {
      term.out(`usage:\n${dnsmasqUsage}`);
      return 0;
    }
    if (values.interface === undefined)
      throw new BrumeError('BAD_REQUEST', "--interface IF is required: the interface on the PCs' network");
    const name = checked(InterfaceName, values.interface, '--interface');
    const serverFlag = values.server === undefined ? undefined : checked(ServerUrl, values.server, '--server');
    const tftpRoot = values['tftp-root'] ?? DEBIAN_IPXE_DIR;
    const address = await (runtime.readInterface ?? ipAddrShow)(name);
    const serverUrl = serverFlag ?? `http://${address.address}:${DEFAULT_SERVER_PORT}`;
    const config = renderDnsmasqConfig({ ...address, serverUrl, tftpRoot });
    const exists = runtime.fileExists ?? existsSync;
    const missing = [IPXE_BIOS_FILE, IPXE_UEFI_FILE].filter((file) => !exists(join(tftpRoot, file)));
    if (missing.length > 0)
      term.err(
        `brume dnsmasq-config: warning: ${missing.join(' and ')} not in ${tftpRoot} (apt install ipxe, or give --tftp-root)\n`,
      );
    term.out(config);
    return 0;
  } catch (error) {
    const failure = toBrumeError(error);
    term.err(`brume dnsmasq-config: ${failure.message}\nusage:\n${dnsmasqUsage}`);
    return failure.exitCode;
  }
}
