import { describe, expect, it } from 'vitest';
import { elapsedSeconds, formatDate, keyValues, percent, table } from './output.ts';

describe('human figures', () => {
  it('prints dates in local time to the second, and a dash for none', () => {
    const iso = '2026-03-05T14:03:12.000Z';
    const local = new Date(iso);
    const expected = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')} ${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}:12`;
    expect(formatDate(iso)).toBe(expected);
    expect(formatDate(null)).toBe('-');
  });

  it('measures a running span up to now and a finished one to its end', () => {
    const now = new Date('2026-03-05T14:10:00Z');
    expect(elapsedSeconds('2026-03-05T14:00:00Z', '2026-03-05T14:03:12Z', now)).toBe(192);
    expect(elapsedSeconds('2026-03-05T14:00:00Z', null, now)).toBe(600);
  });

  it('gives percentages that never pass 100 and a dash for an empty total', () => {
    expect(percent(1, 3)).toBe('33%');
    expect(percent(5, 4)).toBe('100%');
    expect(percent(0, 0)).toBe('-');
  });
});

describe('table', () => {
  it('aligns columns under their headers, numbers to the right, with no trailing spaces', () => {
    const rows = [
      { name: 'pc-01', size: '1.0 GiB', note: 'first' },
      { name: 'workstation-22', size: '512 B', note: '' },
    ];
    const text = table(rows, [
      { header: 'NAME', value: (row) => row.name },
      { header: 'SIZE', value: (row) => row.size, align: 'right' },
      { header: 'NOTE', value: (row) => row.note },
    ]);
    expect(text).toBe(
      ['NAME               SIZE  NOTE', 'pc-01           1.0 GiB  first', 'workstation-22    512 B', ''].join('\n'),
    );
  });
});

describe('keyValues', () => {
  it('aligns values and indents the lines of a multi-line value', () => {
    expect(
      keyValues([
        ['host', 'pc-01'],
        ['macs', '52:54:00:00:00:01\n52:54:00:00:00:02'],
      ]),
    ).toBe('host: pc-01\nmacs: 52:54:00:00:00:01\n      52:54:00:00:00:02\n');
    expect(
      keyValues([
        ['id', '1'],
        ['created', 'now'],
      ]),
    ).toBe('id:      1\ncreated: now\n');
  });
});
