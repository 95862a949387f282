// The main script of the single executable `dist/agent/brume` that the PXE ramdisk runs: the agent's commands only
// (capture, deploy, plan, image verify|show, agent) — no server, no admin CLI, so neither fastify nor sqlite is bundled.
// bin/brume.ts stays the entry point from a checkout.
import { agentUsage, runAgentCli } from '../src/cli/main.ts';

async function main(argv: string[]): Promise<number> {
  const code = await runAgentCli(argv);
  if (code !== undefined) return code;
  const [command] = argv;
  const asked = command === undefined || command === '--help' || command === 'help';
  process.stderr.write(asked ? agentUsage : `brume: unknown command "${command}"\n${agentUsage}`);
  return asked ? 0 : 2;
}

// A SEA's main script is CommonJS (no top-level await); process.argv is [executable, executable, ...arguments].
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
