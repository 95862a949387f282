import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { CHUNK_SHA256_HEADER, formatBytes, SignatureFileName } from '@brume/protocol';
import { checkedInput, noPositionals, positional, UsageError } from './args.ts';
import type { Command } from './command.ts';
import { formatDate, jsonDocument, table } from './output.ts';

/** A local file to upload: its name on the server is its own, checked before anything is sent. */
function localFile(path: string): { path: string; name: string } {
  const name = checkedInput(SignatureFileName, basename(path), { '': path });
  let info;
  try {
    info = statSync(path);
  } catch (error) {
    throw new UsageError(
      `${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  if (!info.isFile()) throw new UsageError(`${path}: not a regular file`);
  return { path, name };
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const data of createReadStream(path)) hash.update(data as Buffer);
  return hash.digest('hex');
}

const upload: Command = {
  synopsis: 'signatures upload FILE…',
  flags: {},
  prepare(args) {
    if (args.positionals.length === 0)
      throw new UsageError(
        'missing FILE: ClamAV database files such as main.cvd daily.cvd bytecode.cvd, or a test .hdb',
      );
    const files = args.positionals.map(localFile);
    const twice = files.find((file, index) => files.findIndex((other) => other.name === file.name) !== index);
    if (twice !== undefined) throw new UsageError(`${twice.name} is named twice: the server keeps one file per name`);
    return async ({ client, term, json }) => {
      const stored: unknown[] = [];
      for (const file of files) {
        // The server checks what arrived against this hash before the file replaces anything.
        const sha256 = await fileSha256(file.path);
        const { value, body } = await client.upload('signatureUpload', { params: { name: file.name } }, file.path, {
          [CHUNK_SHA256_HEADER]: sha256,
        });
        stored.push(body);
        if (!json)
          term.out(`uploaded ${value.name}: ${formatBytes(value.bytes)}, sha256 ${value.sha256.slice(0, 16)}…\n`);
      }
      if (json) term.out(jsonDocument({ files: stored }));
      return 0;
    };
  },
};

const list: Command = {
  synopsis: 'signatures list',
  flags: {},
  prepare(args) {
    noPositionals(args);
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('signatureList', {});
      if (json) term.out(jsonDocument(body));
      else if (value.files.length === 0)
        term.out(
          'no signatures yet: brume signatures upload main.cvd daily.cvd bytecode.cvd (or brume server --signatures DIR)\n',
        );
      else
        term.out(
          table(value.files, [
            { header: 'NAME', value: (file) => file.name },
            { header: 'SIZE', value: (file) => formatBytes(file.bytes) },
            { header: 'SOURCE', value: (file) => file.source },
            { header: 'MODIFIED', value: (file) => formatDate(file.modifiedAt) },
            { header: 'SHA256', value: (file) => file.sha256.slice(0, 16) },
          ]),
        );
      return 0;
    };
  },
};

const deleteSignature: Command = {
  synopsis: 'signatures delete NAME',
  flags: {},
  prepare(args) {
    const name = checkedInput(SignatureFileName, positional(args, 'NAME'), { '': 'NAME' });
    return async ({ client, term, json }) => {
      await client.call('signatureDelete', { params: { name } });
      if (!json) term.out(`deleted signature file ${name}\n`);
      return 0;
    };
  },
};

export const signatureCommands: Readonly<Record<string, Command>> = { upload, list, delete: deleteSignature };
