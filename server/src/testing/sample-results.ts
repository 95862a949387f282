import type { KindResult } from '@brume/protocol';

/** Results shaped as the agents report them, for tests that complete tasks without running one. */
export const sampleDeployResult = (overrides: Partial<KindResult<'deploy'>> = {}): KindResult<'deploy'> => ({
  image: 'base', disk: '/dev/sda', partitions: 0, identical: true, rawBytes: 0, seconds: 1,
  plan: { label: 'gpt', id: 'disk-id', diskSizeBytes: 1024 ** 3, logicalSectorSize: 512, firstUsableBytes: 1024 ** 2, identical: true, partitions: [], bootArea: [], stagingBytes: 0, notes: [] },
  ...overrides,
});

export const sampleWipeResult = (overrides: Partial<KindResult<'wipe'>> = {}): KindResult<'wipe'> => ({
  mode: 'normal', disk: '/dev/sda', bytes: 0, seconds: 1, readBack: { samples: 8, bytes: 32_768, allZero: true }, passes: [],
  ...overrides,
});

export const wipePass = (method: string, bytes: number): KindResult<'wipe'>['passes'][number] => ({ kind: method === 'zeroout' ? 'zero' : method, method, bytes, seconds: 1, bytesPerSecond: bytes });
