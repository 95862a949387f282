import { lookup } from 'node:dns/promises';
import type { Runner } from './exec.ts';

/** The network interface this PC reaches `host` through (`ip route get`), or null when it cannot tell. */
export async function interfaceToward(run: Runner, host: string): Promise<string | null> {
  try {
    const { address } = await lookup(host.replace(/^\[(.*)\]$/, '$1'));
    const { stdout } = await run('ip', ['route', 'get', address]);
    return / dev (\S+)/.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}
