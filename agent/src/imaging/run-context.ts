import type { Phase } from '@brume/protocol';
import type { Reporter } from '../ports.ts';
import type { Runner } from '../sys/exec.ts';

export function phase(reporter: Reporter, name: Phase, message: string, target?: string): void {
  reporter.event({
    type: 'phase',
    ts: new Date().toISOString(),
    phase: name,
    message,
    ...(target === undefined ? {} : { target }),
  });
}

/** The versions an image records, so a later reader knows what wrote it. */
export async function toolVersions(run: Runner): Promise<Record<string, string>> {
  const partclone = await run('partclone.dd', ['-v'], { okCodes: [1] }).then(
    (result) => /v(\d+\.\d+\.\d+)/.exec(result.stdout + result.stderr)?.[1] ?? 'unknown',
    () => 'unknown',
  );
  return { brume: '0.1.0', partclone, node: process.versions.node, compressor: 'zstd-napi' };
}
