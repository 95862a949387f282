import { describe, expect, it } from 'vitest';
import { parsePhotorecLog, photorecCommand } from './recover-photorec.ts';

describe("PhotoRec's unattended command", () => {
  it.each([
    [{ disk: '/dev/sda' }, 'partition_none,wholespace,search'],
    [{ disk: '/dev/sda', partition: 2 }, '2,wholespace,search'],
    [
      { disk: '/dev/sda', types: ['png', 'jpg'] },
      'partition_none,fileopt,everything,disable,png,enable,jpg,enable,wholespace,search',
    ],
  ])('%j → %s', (search, command) => {
    expect(photorecCommand(search)).toBe(command);
  });
});

// The end of a real photorec.log (PhotoRec 7.1 over a loop disk holding four deleted files).
const FINISHED = `PhotoRec 7.1, Data Recovery Utility, July 2019
Disk /dev/loop0 - 67 MB / 64 MiB - 131072 sectors (RO), sector size=512
Pass 1 (blocksize=1024) STATUS_EXT2_OFF
out/recup.1/f0018950.png\t 18950-19479
out/recup.1/f0019480.bmp\t 19480-20007
Pass 1 +4 files
bmp: 1/1 recovered
pdf: 1/1 recovered
png: 1/1 recovered
riff: 1/1 recovered
Total: 4 files found

128904 sectors contain unknown data, 0 invalid files found and rejected.
PhotoRec exited normally.
`;

describe('photorec.log', () => {
  it("gives PhotoRec's counts per family, the total, its version and its normal end", () => {
    expect(parsePhotorecLog(FINISHED)).toEqual({
      families: { bmp: 1, pdf: 1, png: 1, riff: 1 },
      total: 4,
      finished: true,
      syntaxError: undefined,
      version: '7.1',
    });
  });

  it('finds a syntax error (an unknown file type): PhotoRec still exits 0', () => {
    const log =
      'PhotoRec 7.1, Data Recovery Utility, July 2019\nInterface File Select\nSyntax error in command line: zzz,enable,search\nPhotoRec exited normally.\n';
    expect(parsePhotorecLog(log).syntaxError).toBe('Syntax error in command line: zzz,enable,search');
  });

  it('a run with nothing found has no counts; one file says "file"', () => {
    expect(parsePhotorecLog('Total: 1 file found\n').total).toBe(1);
    expect(parsePhotorecLog('PhotoRec exited normally.\n')).toMatchObject({
      families: {},
      total: undefined,
      finished: true,
    });
  });
});
