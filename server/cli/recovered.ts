import { resolve } from 'node:path';
import { formatBytes, RecoveredFileName } from '@brume/protocol';
import { UsageError, checkedInput, positional, taskId } from './args.ts';
import type { Command } from './command.ts';
import { jsonDocument, table } from './output.ts';

/** `brume task recovered ID`: the files a recovery sent to the server; `--get FILE --out PATH` fetches one. */
export const recovered: Command = {
  synopsis: 'task recovered ID [--get FILE --out PATH]',
  flags: { get: { type: 'string' }, out: { type: 'string' } },
  prepare(args) {
    const id = taskId(positional(args, 'ID'));
    const get = args.string('get');
    const out = args.string('out');
    if ((get === undefined) !== (out === undefined)) throw new UsageError('--get FILE and --out PATH go together');
    if (get !== undefined && out !== undefined) {
      const name = checkedInput(RecoveredFileName, get, { '': '--get' });
      const path = resolve(out);
      return async ({ client, term, json }) => {
        const bytes = await client.download('taskRecoveredFile', { params: { id, file: name } }, path);
        term.out(json ? jsonDocument({ name, bytes, out: path }) : `${name}: ${bytes} bytes written to ${path}\n`);
        return 0;
      };
    }
    return async ({ client, term, json }) => {
      const { value, body } = await client.call('taskRecoveredList', { params: { id } });
      if (json) term.out(jsonDocument(body));
      else if (value.files.length === 0) term.out(`task ${id} has sent no recovered file to the server (yet)\n`);
      else {
        term.out(
          table(value.files, [
            { header: 'FILE', value: (file) => file.name },
            { header: 'SIZE', value: (file) => formatBytes(file.bytes) },
          ]),
        );
        term.out(
          `${value.files.length} file(s), ${formatBytes(value.bytes)}, in DATA/${value.dir}; sha256s: brume task show ${id} --json (result.list)\n`,
        );
      }
      return 0;
    };
  },
};
