import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The unit's name, as systemctl knows it. */
export const SERVICE_NAME = 'brume-server.service';
/** The template shipped with Brume (server/systemd/); install-service fills in its @…@ placeholders. */
export const UNIT_TEMPLATE_PATH = fileURLToPath(new URL('../systemd/brume-server.service', import.meta.url));

export interface UnitSettings {
  /** Absolute path of the `brume` command the service runs. */
  brume: string;
  /** Absolute path of the README (the unit's Documentation=). */
  readme: string;
  user: string;
  dataDir: string;
  /** `brume server` flags after --data: --listen and whatever else was given, checked already. */
  serverArgs: readonly string[];
  /** The listen port: below 1024 the service gets CAP_NET_BIND_SERVICE, and no capability otherwise. */
  port: number;
}

/**
 * One ExecStart word as systemd reads it: plain when it is safe, else double-quoted with C escapes; `%` (specifiers)
 * and `$` (variable expansion) are doubled so they reach the server as typed.
 */
export function systemdWord(word: string): string {
  const literal = word.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return literal;
  return `"${literal.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** DATA under /var/lib is a StateDirectory: systemd creates it and gives it to the service's user at each start. */
export function stateDirectory(dataDir: string): string | null {
  const match = /^\/var\/lib\/([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)$/.exec(dataDir);
  return match === null || match[1]?.split('/').includes('..') === true ? null : (match[1] as string);
}

/** The unit file's text: the template with every placeholder filled (an unknown one left over is a bug: thrown). */
export function renderUnit(
  settings: UnitSettings,
  template: string = readFileSync(UNIT_TEMPLATE_PATH, 'utf8'),
): string {
  const state = stateDirectory(settings.dataDir);
  const values: Record<string, string> = {
    README: settings.readme,
    USER: settings.user,
    EXEC_START: [settings.brume, 'server', '--data', settings.dataDir, ...settings.serverArgs]
      .map(systemdWord)
      .join(' '),
    DATA: systemdWord(settings.dataDir),
    STATE_DIRECTORY:
      state === null
        ? '# DATA is outside /var/lib: it must exist and belong to the user above (install-service does that when it enables).'
        : `# systemd creates DATA and gives it to the user above at each start.\nStateDirectory=${state}\nStateDirectoryMode=0700`,
    CAPABILITIES: settings.port < 1024 ? 'CAP_NET_BIND_SERVICE' : '',
  };
  const text = template.replace(/@([A-Z_]+)@/g, (placeholder, name: string) => values[name] ?? placeholder);
  const left = /@[A-Z_]+@/.exec(text);
  if (left !== null) throw new Error(`the unit template has a placeholder nobody fills: ${left[0]}`);
  return text;
}
