import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, copyFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentChoice } from './config.ts';
import { run } from './run.ts';

export interface AgentCopy {
  kind: 'sea' | 'stub';
  bytes: number;
  /** Why the stub was used, for the build's loud warning. */
  reason?: string;
}

const TARGET = 'usr/bin/brume';

const STUB = `#!/bin/sh
# BRUME AGENT STUB: scripts/build-boot.ts put this here because dist/agent/brume (the agent's Node single executable)
# did not exist when the ramdisk was built. It only shows what the real agent would have been given.
echo "brume-agent-stub: THIS RAMDISK HAS NO AGENT (dist/agent/brume was missing at build time)"
echo "brume-agent-stub: arguments: $*"
echo "brume-agent-stub: /proc/cmdline: $(cat /proc/cmdline)"
exit 1
`;

function hasBuildScript(root: string): boolean {
  const scripts =
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ??
    {};
  return typeof scripts['build:agent'] === 'string';
}

/** Builds the agent when asked and possible, and returns the executable to ship, or why there is none. */
async function agentExecutable(root: string, choice: AgentChoice): Promise<{ path?: string; reason?: string }> {
  const sea = join(root, 'dist', 'agent', 'brume');
  if (choice === 'stub') return { reason: 'the stub was asked for (--agent stub)' };
  if (choice === 'build') {
    if (!hasBuildScript(root)) return { reason: 'package.json has no "build:agent" script yet' };
    // npm runs the script with the Node that runs this build first on PATH (Node 24, not the machine's).
    const path = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`;
    await run('npm', ['run', '--silent', 'build:agent'], { cwd: root, env: { PATH: path } });
  }
  if (!existsSync(sea)) {
    if (choice === 'prebuilt')
      throw new Error(`${sea} does not exist: build it with \`npm run build:agent\` or use --agent stub`);
    throw new Error(`\`npm run build:agent\` succeeded but wrote no ${sea}`);
  }
  return { path: sea };
}

/** Puts the agent at /usr/bin/brume: the single executable, or a stub that says loudly what is missing. */
export async function installAgent(root: string, ramdisk: string, choice: AgentChoice): Promise<AgentCopy> {
  const { path, reason } = await agentExecutable(root, choice);
  const target = join(ramdisk, TARGET);
  if (path !== undefined) {
    await copyFile(path, target);
    await chmod(target, 0o755);
    return { kind: 'sea', bytes: statSync(target).size };
  }
  await writeFile(target, STUB, { mode: 0o755 });
  await chmod(target, 0o755);
  return { kind: 'stub', bytes: STUB.length, ...(reason === undefined ? {} : { reason }) };
}
