import { mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AgentKindResult, SignatureFile } from '@brume/protocol';
import { scanDisk, type VirusScanResult } from '../care/virus-scan.ts';
import { readDatabaseHeader } from '../care/virus-signatures.ts';
import { downloadSignatures } from '../care/virus-signatures-download.ts';
import { describeKind, taskDisk, type TaskModule } from './task-module.ts';

/**
 * ClamAV over every filesystem of this PC's disk, each mounted read-only (issue 8), with the signatures the server
 * hands out: downloaded into a directory of the agent's own, checked, and removed afterwards.
 */
export const virusScanTask = {
  kind: 'virus-scan',
  describe: () => describeKind('virus-scan', { phases: ['receive', 'inspect', 'scan', 'verify'] }),
  async run(context) {
    const disk = taskDisk(context);
    const dir = await mkdtemp(join(context.stagingDir, 'signatures-'));
    try {
      // 1. The signatures, before any mount: none on the server is NO_SIGNATURES, and nothing is touched.
      const files = await downloadSignatures(context.client, context.task.id, dir, context.reporter);
      // 2. The scan: partition after partition, each mounted read-only and unmounted whatever happens.
      const result = await scanDisk(
        { disk, signaturesDir: dir, logDir: context.logDir },
        { run: context.run, reporter: context.reporter, signal: context.signal },
      );
      // 3. The result the server stores: what was found where, what was scanned, with which databases.
      return await taskResult(result, files, dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
} satisfies TaskModule<'virus-scan'>;

/** One infected file, as `brume task show ID --json` lists it. */
interface Infection {
  partition: number;
  device: string;
  fs: string | null;
  path: string;
  signature: string;
}

async function taskResult(
  result: VirusScanResult,
  files: SignatureFile[],
  dir: string,
): Promise<AgentKindResult<'virus-scan'>> {
  const infected: Infection[] = result.partitions.flatMap((partition) =>
    partition.infected.map((finding) => ({
      partition: partition.number,
      device: partition.device,
      fs: partition.fs,
      path: finding.path,
      signature: finding.signature,
    })),
  );
  const databases = [];
  for (const file of files) {
    const header = await readDatabaseHeader(dir, file.name);
    databases.push({
      name: file.name,
      bytes: file.bytes,
      sha256: file.sha256,
      source: file.source,
      ...(header === undefined ? {} : { version: header.version, signatures: header.signatures, built: header.built }),
    });
  }
  return {
    disk: result.disk,
    infectedFiles: result.infected,
    infected,
    filesScanned: result.files,
    bytesScanned: result.bytes,
    // The directory was the agent's temp copy: the server knows the files by name and hash.
    signatures: {
      databases,
      ...(result.signatures.version === undefined ? {} : { version: result.signatures.version }),
      known: result.signatures.known ?? null,
    },
    partitions: result.partitions.map(({ log, ...partition }) => ({
      ...partition,
      ...(log === undefined ? {} : { log: basename(log) }),
    })),
    seconds: result.seconds,
  };
}
