import {
  formatBytes,
  ImageName,
  partitionTarget,
  type ImageDetail,
  type ImageSummary,
  type ImageVerification,
  type ManifestPartition,
} from '@brume/protocol';
import { checkedInput, noPositionals, positional, type Args } from './args.ts';
import type { Command } from './command.ts';
import { formatDate, jsonDocument, keyValues, table } from './output.ts';

const imageName = (args: Args): string => checkedInput(ImageName, positional(args, 'NAME'), { '': 'NAME' });

function ratio(image: ImageSummary): string {
  return image.rawBytes === 0 ? '-' : `${((image.storedBytes / image.rawBytes) * 100).toFixed(0)}%`;
}

export function imageTable(images: readonly ImageSummary[]): string {
  if (images.length === 0) return 'no images yet: brume task capture --host H --image NAME\n';
  return table(images, [
    { header: 'NAME', value: (image) => image.name },
    { header: 'PARTS', value: (image) => String(image.partitions), align: 'right' },
    { header: 'RAW', value: (image) => formatBytes(image.rawBytes), align: 'right' },
    { header: 'STORED', value: (image) => formatBytes(image.storedBytes), align: 'right' },
    { header: 'SOURCE', value: (image) => image.sourceHost },
    { header: 'TASK', value: (image) => (image.taskId === null ? '-' : String(image.taskId)), align: 'right' },
    { header: 'CREATED', value: (image) => formatDate(image.createdAt) },
  ]);
}

function partitionTable(partitions: readonly ManifestPartition[]): string {
  return table(partitions, [
    { header: 'PART', value: (part) => partitionTarget(part.disk, part.number) },
    { header: 'FS', value: (part) => part.fs },
    { header: 'LABEL', value: (part) => part.fsLabel ?? part.name ?? '' },
    { header: 'SIZE', value: (part) => formatBytes(part.sizeBytes), align: 'right' },
    { header: 'USED', value: (part) => formatBytes(part.usedBytes), align: 'right' },
    { header: 'STORED', value: (part) => formatBytes(part.storedBytes), align: 'right' },
    { header: 'CHUNKS', value: (part) => String(part.chunks.length), align: 'right' },
    { header: 'FILE', value: (part) => part.file ?? '-' },
  ]);
}

export function imageBlock(image: ImageDetail): string {
  const { manifest } = image;
  const disks = manifest.disks.map(
    (disk) => `d${disk.index}: ${formatBytes(disk.sizeBytes)}, ${disk.label}, ${disk.logicalSectorSize}-byte sectors`,
  );
  const block = keyValues([
    ['image', image.name],
    ['created', formatDate(image.createdAt)],
    ['source', `${image.sourceHost} ${manifest.source.device}`],
    ['task', image.taskId === null ? '-' : String(image.taskId)],
    ['disks', disks.join('\n')],
    [
      'size',
      `${formatBytes(image.rawBytes)} of partition data, ${formatBytes(image.storedBytes)} stored (${ratio(image)})`,
    ],
    [
      'compression',
      `${manifest.compression.algorithm} level ${manifest.compression.level}, ${formatBytes(manifest.compression.chunkBytes)} chunks`,
    ],
  ]);
  return `${block}\n${partitionTable(manifest.partitions)}`;
}

export function verificationText(result: ImageVerification): string {
  const counted = `${result.chunks} chunks, ${formatBytes(result.bytes)}`;
  if (result.ok) return `image ${result.name} verified: ${counted}, every sha256 matches\n`;
  const problems = result.problems.map(
    (problem) => `  ${problem.file}${problem.chunk === null ? '' : ` chunk ${problem.chunk}`}: ${problem.message}`,
  );
  return `image ${result.name} is damaged: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} (${counted} checked)\n${problems.join('\n')}\n`;
}

const list: Command = {
  synopsis: 'image list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('imageList', {});
      term.out(json ? jsonDocument(body) : imageTable(value.images));
      return 0;
    };
  },
};

const show: Command = {
  synopsis: 'image show NAME',
  flags: {},
  prepare(args) {
    const name = imageName(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('imageShow', { params: { name } });
      term.out(json ? jsonDocument(body) : imageBlock(value));
      return 0;
    };
  },
};

const verify: Command = {
  synopsis: 'image verify NAME',
  flags: {},
  prepare(args) {
    const name = imageName(args);
    return async ({ client, term, json }) => {
      // The server reads back every chunk of the image: as long as that takes.
      const { value, body } = await client.call('imageVerify', { params: { name } }, { timeoutMs: 0 });
      term.out(json ? jsonDocument(body) : verificationText(value));
      return value.ok ? 0 : 1;
    };
  },
};

const remove: Command = {
  synopsis: 'image delete NAME',
  flags: {},
  prepare(args) {
    const name = imageName(args);
    return async ({ client, term, json }) => {
      await client.call('imageDelete', { params: { name } });
      if (!json) term.out(`deleted image ${name}\n`);
      return 0;
    };
  },
};

export const imageCommands: Readonly<Record<string, Command>> = { list, show, verify, delete: remove };
