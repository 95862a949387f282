// The `brume` command: dispatches to the package that owns each command. Only this file knows every package.
// `image show|verify DIR` on a local image directory is the engine's; with a NAME it asks the server.
import { existsSync } from 'node:fs';
import { agentUsage, runAgentCli } from '@brume/agent/cli';
import {
  adminUsage,
  dnsmasqUsage,
  installServiceUsage,
  runAdminCli,
  runDnsmasqConfig,
  runInstallService,
} from '@brume/server/cli';
import { runServerCommand, serverUsage } from '@brume/server/main';

const argv = process.argv.slice(2);
const [command, ...rest] = argv;
const usage = `${agentUsage}${serverUsage}${installServiceUsage}${dnsmasqUsage}${adminUsage}`;

function isLocalImageCommand(): boolean {
  if (command !== 'image') return false;
  const target = rest.find((arg, index) => index > 0 && !arg.startsWith('-'));
  return target !== undefined && (target.includes('/') || existsSync(target));
}

async function dispatch(): Promise<number | undefined> {
  if (command === 'server') return runServerCommand(rest);
  if (command === 'dnsmasq-config') return runDnsmasqConfig(rest);
  if (command === 'install-service') return runInstallService(rest);
  if (command === 'image' && !isLocalImageCommand()) return runAdminCli(argv);
  return (await runAgentCli(argv)) ?? (await runAdminCli(argv));
}

const code = await dispatch();
if (code === undefined) {
  const asked = command === undefined || command === '--help' || command === 'help';
  process.stderr.write(asked ? usage : `brume: unknown command "${command}"\n${usage}`);
  process.exitCode = asked ? 0 : 2;
} else {
  process.exitCode = code;
}
