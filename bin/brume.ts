// The `brume` command: dispatches to the package that owns each command (the agent's engine today; the server's
// admin commands join here). Only this file knows both.
import { agentUsage, runAgentCli } from '@brume/agent/cli';

const argv = process.argv.slice(2);
const code = await runAgentCli(argv);
if (code === undefined) {
  process.stderr.write(argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' ? agentUsage : `brume: unknown command "${argv[0]}"\n${agentUsage}`);
  process.exitCode = argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' ? 0 : 2;
} else {
  process.exitCode = code;
}
