import { BrumeError, toBrumeError } from '@brume/protocol';
import { ServerUrl, type AgentMode } from '../config.ts';
import { describeRegistration, registerThisPc, type CollectedInventory } from '../registration.ts';
import type { Runner } from '../sys/exec.ts';
import { powerAfterTask } from '../sys/power.ts';

export interface RegisterCommandDeps {
  run: Runner;
  collect: () => Promise<CollectedInventory>;
  out: (text: string) => void;
  err: (text: string) => void;
  retryDeadlineMs: number;
}

/**
 * `brume agent --server URL --action register` (or brume.action=register in the ramdisk): registers this PC and says
 * under which name. In the ramdisk the PC then reboots, as after a task, so a room registering itself needs no hands;
 * after a failure it stays on the message.
 */
export async function registerCommand(
  mode: Extract<AgentMode, { kind: 'register' }>,
  json: boolean,
  deps: RegisterCommandDeps,
): Promise<number> {
  try {
    const server = ServerUrl.safeParse(mode.server);
    if (!server.success)
      throw new BrumeError(
        'BAD_REQUEST',
        `${mode.names['server'] ?? '--server'}: ${server.error.issues[0]?.message ?? 'invalid'}`,
      );
    const outcome = await registerThisPc(server.data, {
      collect: deps.collect,
      say: (line) => (json ? undefined : deps.out(`${line}\n`)),
      retryDeadlineMs: deps.retryDeadlineMs,
    });
    deps.out(json ? `${JSON.stringify(outcome)}\n` : `${describeRegistration(outcome)}\n`);
  } catch (error) {
    const failure = toBrumeError(error);
    deps.err(`brume agent: registration failed: ${failure.message} (${failure.code})\n`);
    if (mode.ramdisk) deps.err('This PC stays here. A shell follows; `reboot -f` restarts it.\n');
    return failure.exitCode;
  }
  if (mode.after === 'reboot' || mode.after === 'poweroff') {
    deps.out(`${mode.after === 'reboot' ? 'rebooting' : 'powering off'} (brume.after=${mode.after})\n`);
    await powerAfterTask(deps.run, mode.after);
  }
  return 0;
}
