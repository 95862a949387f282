import { describe, expect, it } from 'vitest';
import { serverNames, summarize, type RecoveredFile } from './recover-files.ts';

const file = (name: string, bytes: number): RecoveredFile => ({
  name,
  path: `/tmp/x/${name}`,
  type: name.split('.').at(-1) ?? 'none',
  bytes,
  sha256: name.length.toString(16).padStart(64, '0'),
});

describe('recovered files', () => {
  it("keep PhotoRec's names on the server, made plain; a name seen twice takes its folder's number", () => {
    const files = [
      file('recup.1/f0001.png', 1),
      file('recup.2/f0001.png', 2),
      file('recup.2/f0002_Mon rapport.doc', 3),
      file('recup.3/.hidden', 4),
    ];
    expect(serverNames(files)).toEqual(['f0001.png', '2-f0001.png', 'f0002_Mon_rapport.doc', 'hidden']);
  });

  it('are counted by type, with the list capped and said to be', () => {
    const files = [file('a.png', 10), file('b.png', 20), file('c.pdf', 5)];
    const summary = summarize(files, ['a.png', 'b.png', 'c.pdf'], 2);
    expect(summary).toMatchObject({
      files: 3,
      bytes: 35,
      byType: { png: { files: 2, bytes: 30 }, pdf: { files: 1, bytes: 5 } },
      listTruncated: true,
    });
    expect(summary.list.map((entry) => entry.name)).toEqual(['a.png', 'b.png']);
  });
});
