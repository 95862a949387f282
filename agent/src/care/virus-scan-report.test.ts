import { describe, expect, it } from 'vitest';
import { parseClamscan } from './virus-scan-report.ts';
import { mountChoice } from './virus-scan-mounts.ts';
import { parseCvdHeader } from './virus-signatures.ts';

const summary = (lines: string): string => `
----------- SCAN SUMMARY -----------
Known viruses: 1
Engine version: 1.4.6
Scanned directories: 2
${lines}
Data scanned: 0.00 MB
Data read: 0.00 MB (ratio 0.00:1)
Time: 0.024 sec (0 m 0 s)
Start Date: 2026:12:06 06:25:23
End Date:   2026:12:06 06:25:23
`;

// Recorded from ClamAV 1.4.6 (`clamscan -r --infected --stdout --database=db /tmp/brume-scan-x`, as root and as nobody).
describe('parseClamscan', () => {
  it.each([
    {
      name: 'clean: no findings, the summary counts',
      stdout: summary('Scanned files: 4\nInfected files: 0'),
      findings: [],
      counts: { knownSignatures: 1, files: 4, infected: 0, errors: 0 },
    },
    {
      name: 'infected: paths relative to the mount point, names with ": " kept whole',
      stdout: `/tmp/brume-scan-x/sub/eicar.com: Brume-Test-EICAR.UNOFFICIAL FOUND\n/tmp/brume-scan-x/sub/e: vil.txt: Win.Test.EICAR_HDB-1 FOUND\n${summary('Scanned files: 4\nInfected files: 2')}`,
      findings: [
        { path: '/sub/eicar.com', signature: 'Brume-Test-EICAR.UNOFFICIAL' },
        { path: '/sub/e: vil.txt', signature: 'Win.Test.EICAR_HDB-1' },
      ],
      counts: { knownSignatures: 1, files: 4, infected: 2, errors: 0 },
    },
    {
      name: 'a file name with a newline, and unreadable files (exit 2)',
      stdout: `/tmp/brume-scan-x/new\nline.com: Brume-Test-EICAR.UNOFFICIAL FOUND\n${summary('Scanned files: 5\nInfected files: 1\nTotal errors: 1')}`,
      findings: [{ path: '/new\nline.com', signature: 'Brume-Test-EICAR.UNOFFICIAL' }],
      counts: { knownSignatures: 1, files: 5, infected: 1, errors: 1 },
    },
    {
      name: 'no database: the error line is a message, not a finding',
      stdout: `ERROR: Can't open file or directory\n${summary('Scanned files: 0\nInfected files: 0').replace('Known viruses: 1', 'Known viruses: 0')}`,
      findings: [],
      counts: { knownSignatures: 0, files: 0, infected: 0, errors: 0 },
      messages: ["ERROR: Can't open file or directory"],
    },
    {
      name: 'stopped before any summary',
      stdout: '',
      findings: [],
      counts: { knownSignatures: undefined, files: undefined, infected: undefined, errors: 0 },
    },
  ])('$name', ({ stdout, findings, counts, messages }) => {
    const report = parseClamscan(stdout, '/tmp/brume-scan-x/');
    expect(report.findings).toEqual(findings);
    expect({
      knownSignatures: report.knownSignatures,
      files: report.files,
      infected: report.infected,
      errors: report.errors,
    }).toEqual(counts);
    expect(report.messages).toEqual(messages ?? []);
  });

  it('reads the bytes scanned from "Data read" (MiB with two decimals), none without a summary', () => {
    expect(
      parseClamscan(
        summary('Scanned files: 3\nInfected files: 0').replace('Data read: 0.00 MB', 'Data read: 2.86 MB'),
        '/m',
      ).bytesRead,
    ).toBe(Math.round(2.86 * 1024 * 1024));
    expect(parseClamscan(summary('Scanned files: 0\nInfected files: 0'), '/m').bytesRead).toBe(0);
    expect(parseClamscan('', '/m').bytesRead).toBeUndefined();
  });
});

describe('mountChoice', () => {
  it.each([
    ['ext4', 'ext4', ['ro', 'noload']],
    ['ntfs', 'ntfs-3g', ['ro']],
    ['xfs', 'xfs', ['ro', 'norecovery', 'nouuid']],
    ['btrfs', 'btrfs', ['ro', 'rescue=nologreplay']],
    ['vfat', 'vfat', ['ro']],
  ])('%s is mounted as %s with %j', (fs, type, options) => {
    expect(mountChoice(fs)).toMatchObject({ supported: true, type, options });
  });

  it.each([
    [undefined, 'no filesystem found (blkid)'],
    ['swap', 'swap space holds no files'],
    ['zfs_member', 'zfs_member is not a filesystem the scan mounts'],
  ])('%s is skipped: %s', (fs, reason) => {
    expect(mountChoice(fs)).toEqual({ supported: false, reason });
  });
});

describe('parseCvdHeader', () => {
  it('reads the version and count of a signed database, whose build time holds colons', () => {
    expect(
      parseCvdHeader('ClamAV-VDB:15 Jan 2025 09:28 +0000:27518:2071843:90:abcdef:sig:builder:1736933280      '),
    ).toEqual({
      built: '15 Jan 2025 09:28 +0000',
      version: 27518,
      signatures: 2071843,
    });
    expect(parseCvdHeader('not a cvd')).toBeUndefined();
  });
});
