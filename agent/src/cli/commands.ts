import { basename, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { formatBytes, type LayoutPlan, type Manifest } from '@brume/protocol';
import { DEFAULT_CHUNK_BYTES, DEFAULT_LEVEL, runLogDir } from '../config.ts';
import { captureDisk } from '../imaging/capture.ts';
import { deployImage, prepareDeploy } from '../imaging/deploy.ts';
import { readManifest } from '../imaging/image-dir.ts';
import { directoryImageReader } from '../imaging/image-dir-reader.ts';
import { directoryImageWriter } from '../imaging/image-dir-writer.ts';
import { verifyImage } from '../imaging/verify-image.ts';
import { runTool } from '../sys/exec.ts';
import { describePlan } from '../ui/plan-text.ts';
import { parseFlags, positiveInteger, required } from './args.ts';
import { createOutput, usageError, type Output } from './output.ts';

const seconds = (since: number): number => (performance.now() - since) / 1000;
const rawTotal = (manifest: Manifest): number => manifest.partitions.reduce((sum, p) => sum + p.rawBytes, 0);
const storedTotal = (manifest: Manifest): number => manifest.partitions.reduce((sum, p) => sum + p.storedBytes, 0);

/** Runs `work` with the right output and turns every outcome into the contract's exit code. */
async function job(json: boolean, work: (output: Output) => Promise<Record<string, unknown>>): Promise<number> {
  const output = createOutput(json);
  try {
    return output.finish(await work(output));
  } catch (error) {
    return output.fail(error);
  }
}

export function capture(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    disk: { type: 'string' },
    to: { type: 'string' },
    name: { type: 'string' },
    json: { type: 'boolean', default: false },
    level: { type: 'string' },
    'chunk-size': { type: 'string' },
    'log-dir': { type: 'string' },
  });
  return job(values.json, async (output) => {
    const imageDir = resolve(required(values.to, '--to'));
    const started = performance.now();
    const manifest = await captureDisk(
      {
        disk: required(values.disk, '--disk'),
        name: values.name ?? basename(imageDir),
        chunkBytes: positiveInteger(values['chunk-size'], '--chunk-size', DEFAULT_CHUNK_BYTES),
        level: positiveInteger(values.level, '--level', DEFAULT_LEVEL),
        logDir: runLogDir(values['log-dir']),
      },
      { run: runTool, reporter: output.reporter, writer: directoryImageWriter(imageDir) },
    );
    const elapsed = seconds(started);
    output.say(
      `captured ${manifest.partitions.length} partitions into ${imageDir}: ${formatBytes(rawTotal(manifest))} → ${formatBytes(storedTotal(manifest))} in ${elapsed.toFixed(1)} s (${formatBytes(rawTotal(manifest) / elapsed)}/s)`,
    );
    return { image: imageDir, rawBytes: rawTotal(manifest), storedBytes: storedTotal(manifest), seconds: elapsed };
  });
}

export function deploy(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    from: { type: 'string' },
    disk: { type: 'string' },
    yes: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    staging: { type: 'string' },
    'log-dir': { type: 'string' },
  });
  return job(values.json, async (output) => {
    const started = performance.now();
    const result = await deployImage(
      {
        image: directoryImageReader(resolve(required(values.from, '--from'))),
        disk: required(values.disk, '--disk'),
        yes: values.yes,
        dryRun: values['dry-run'],
        logDir: runLogDir(values['log-dir']),
        stagingDir: values.staging ?? tmpdir(),
      },
      { run: runTool, reporter: output.reporter, ...(output.confirm === undefined ? {} : { confirm: output.confirm }) },
    );
    const elapsed = seconds(started);
    if (!result.written) {
      output.say(describePlan(result.plan));
      return { plan: result.plan, written: false };
    }
    output.say(
      `deployed ${result.manifest.name} to ${values.disk}: ${formatBytes(rawTotal(result.manifest))} in ${elapsed.toFixed(1)} s (${formatBytes(rawTotal(result.manifest) / elapsed)}/s)`,
    );
    return { plan: result.plan, written: true, rawBytes: rawTotal(result.manifest), seconds: elapsed };
  });
}

export async function plan(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    from: { type: 'string' },
    disk: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const output = createOutput(values.json);
  try {
    const { plan: layout } = await prepareDeploy(
      directoryImageReader(resolve(required(values.from, '--from'))),
      required(values.disk, '--disk'),
    );
    printPlan(output, layout);
    return 0;
  } catch (error) {
    return output.fail(error);
  }
}

function printPlan(output: Output, layout: LayoutPlan): void {
  if (output.json) process.stdout.write(`${JSON.stringify(layout)}\n`);
  else output.say(describePlan(layout));
}

export async function image(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, { json: { type: 'boolean', default: false } });
  const dir = positionals[0];
  const output = createOutput(values.json && action === 'verify');
  try {
    if (dir === undefined) throw usageError(`brume image ${action ?? ''}: give the image directory`);
    if (action === 'verify') {
      const manifest = await verifyImage(directoryImageReader(resolve(dir)), output.reporter);
      output.say(
        `${dir}: ${manifest.name} verified, ${manifest.partitions.length} partitions, ${formatBytes(storedTotal(manifest))} stored, every chunk matches its sha256`,
      );
      return output.finish({ image: resolve(dir), verified: true });
    }
    if (action === 'show') {
      const manifest = await readManifest(resolve(dir));
      process.stdout.write(values.json ? `${JSON.stringify(manifest)}\n` : describeManifest(manifest));
      return 0;
    }
    throw usageError(`brume image: unknown action "${action ?? ''}" (verify, show)`);
  } catch (error) {
    return output.fail(error);
  }
}

function describeManifest(manifest: Manifest): string {
  const rows = manifest.partitions.map(
    (p) =>
      `  p${p.number}  ${p.fs.padEnd(8)} ${formatBytes(p.sizeBytes).padStart(10)}  used ${formatBytes(p.usedBytes).padStart(10)}  stored ${formatBytes(p.storedBytes).padStart(10)}  ${p.tool ?? '-'}`,
  );
  return `${manifest.name} (${manifest.format}), captured ${manifest.created} from ${manifest.source.host}:${manifest.source.device}\n${rows.join('\n')}\n`;
}
