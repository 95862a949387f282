import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export type FirmwareChoice = 'free' | 'nonfree';
/** `build`: run `npm run build:agent` when the script exists; `prebuilt`: take dist/agent/brume as it is; `stub`. */
export type AgentChoice = 'build' | 'prebuilt' | 'stub';

/** Everything the boot build reads from outside: parsed once, here, then passed down frozen. */
export interface BootBuildConfig {
  readonly root: string;
  /** Downloaded .deb files; survives builds (git-ignored). */
  readonly debCache: string;
  /** Rebuilt from scratch by every build: extracted packages, the sysroot, the ramdisk tree. */
  readonly work: string;
  readonly out: string;
  readonly firmware: FirmwareChoice;
  readonly agent: AgentChoice;
  /** Every file of the ramdisk gets this mtime (seconds). */
  readonly sourceDateEpoch: number;
  readonly zstdLevel: number;
}

const OWN_PATHS = ['initramfs', 'kernel-config', 'scripts/build-boot.ts', 'scripts/build-boot'];

/** The commit time of the last change to the boot build's own files: stable across checkouts and unrelated commits. */
function lastCommitTime(root: string): number {
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%ct', '--', ...OWN_PATHS], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return Number.parseInt(out.trim(), 10) || 0;
  } catch {
    return 0;
  }
}

function choice<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name}=${value}: expected one of ${allowed.join(', ')}`);
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
  const inline = argv.find((arg) => arg.startsWith(`${flag}=`));
  if (inline !== undefined) return inline.slice(flag.length + 1);
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
}

/** Flags win over the environment: `--firmware free|nonfree`, `--agent build|prebuilt|stub`. */
export function bootBuildConfig(root: string, argv: readonly string[], env: NodeJS.ProcessEnv): BootBuildConfig {
  const epoch = env['SOURCE_DATE_EPOCH'];
  const cache = join(root, '.cache', 'boot');
  return Object.freeze({
    root,
    debCache: join(cache, 'debs'),
    work: join(cache, 'work'),
    out: join(root, 'dist', 'boot'),
    firmware: choice(
      'firmware',
      flagValue(argv, '--firmware') ?? env['BRUME_BOOT_FIRMWARE'],
      ['free', 'nonfree'],
      'free',
    ),
    agent: choice(
      'agent',
      flagValue(argv, '--agent') ?? env['BRUME_BOOT_AGENT'],
      ['build', 'prebuilt', 'stub'],
      'build',
    ),
    sourceDateEpoch: epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : lastCommitTime(root),
    zstdLevel: 19,
  });
}
