// The fault suite's short seed list (the full one is `npm run bench:faults`): a capture and a deploy through a proxy
// that strikes once at a seeded point. Each must end done and verified, within its timeouts, with no image corrupt or
// half-published.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFaultBench, type FaultBench, type FaultCase } from '../support/fault-runs.ts';

const CASES: readonly FaultCase[] = [
  { task: 'capture', fault: 'silent', seed: 1 },
  { task: 'capture', fault: 'duplicate', seed: 2 },
  { task: 'deploy', fault: 'silent', seed: 3 },
];

const work = mkdtempSync(join(tmpdir(), 'brume-fault-suite-'));
let bench: FaultBench;

beforeAll(async () => {
  bench = await openFaultBench(work);
}, 180_000);

afterAll(async () => {
  await bench.close();
  rmSync(work, { recursive: true, force: true });
});

describe('captures and deploys through a network that fails once', () => {
  it.each(CASES)(
    '$task survives a $fault fault (seed $seed)',
    async (fault) => {
      const outcome = await bench.run(fault);
      expect(outcome.struck).toBe(true);
      expect({
        state: outcome.state,
        corrupt: outcome.corrupt,
        halfPublished: outcome.halfPublished,
        detail: outcome.detail,
      }).toEqual({ state: 'done', corrupt: false, halfPublished: false, detail: '' });
      expect(outcome.survived).toBe(true);
    },
    300_000,
  );
});
