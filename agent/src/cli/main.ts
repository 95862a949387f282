import { toBrumeError } from '@brume/protocol';
import { agent } from './agent-command.ts';
import { capture, deploy, image, plan } from './commands.ts';
import { inventory } from './inventory-command.ts';

const usage = `usage:
  brume capture --disk DEV --to DIR [--name N] [--json]
  brume deploy  --from DIR --disk DEV [--yes] [--dry-run] [--staging DIR] [--json]
  brume plan    --from DIR --disk DEV [--json]
  brume image   verify|show DIR [--json]
  brume agent   [--server URL --task ID --token T] [--disk DEV] [--after reboot|poweroff|none] [--log-dir DIR] [--staging DIR] [--json]
                (without --server/--task/--token: brume.server= brume.task= brume.token= [brume.disk=] [brume.after=] of /proc/cmdline)
  brume agent   --server URL --action register [--json]      # quick registration of this PC (brume.action=register)
  brume agent   --server URL --menu [--disk DEV] [--plain]   # the technician's menu (brume.mode=menu)
  brume inventory [--json]
`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  capture,
  deploy,
  plan,
  image,
  agent,
  inventory,
};
// Hidden (not in the usage): the terminal UI's test drive, imported on demand so that no other command loads blessed.
commands['ui-demo'] = async (argv) => (await import('./ui-demo-command.ts')).uiDemo(argv);

/** `brume NAME --help`: the usage lines of that command (with their continuation lines). */
function usageOf(name: string): string {
  let current: string | undefined;
  const lines = usage
    .split('\n')
    .slice(1)
    .filter((line) => {
      current = /^ {2}brume (\S+)/.exec(line)?.[1] ?? current;
      return line !== '' && current === name;
    });
  return `usage:\n${lines.join('\n')}\n`;
}

/** The engine's commands; returns the exit code (0 ok, 1 the job failed, 2 bad input). */
export async function runAgentCli(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) return undefined;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usageOf(name ?? ''));
    return 0;
  }
  try {
    return await command(rest);
  } catch (error) {
    // Flags are parsed before a job starts: a bad one ends here, as bad input.
    const failure = toBrumeError(error);
    process.stderr.write(`brume ${name ?? ''}: ${failure.message}\n${usage}`);
    return failure.exitCode;
  }
}

export const agentUsage = usage;
