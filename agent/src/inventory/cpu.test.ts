import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCpuList, readCpu } from './cpu.ts';
import { inventorySources } from './deps.ts';
import { fakeRunner, fixtureTree, type FixtureTree } from '../../../test/fixtures/inventory-tree.ts';

let tree: FixtureTree;
beforeEach(() => {
  tree = fixtureTree();
});
afterEach(() => tree.remove());

const MODEL = 'Intel(R) Core(TM) i7-12700 CPU @ 2.10GHz';

function cpuinfo(threads: number, coreOf: (thread: number) => number): void {
  const blocks = Array.from(
    { length: threads },
    (_, cpu) =>
      `processor\t: ${cpu}\nvendor_id\t: GenuineIntel\nmodel name\t: ${MODEL}\nphysical id\t: 0\ncore id\t\t: ${coreOf(cpu)}\n`,
  );
  tree.file('proc/cpuinfo', `${blocks.join('\n')}\n`);
}

function read(): { cpu: ReturnType<typeof readCpu>; warnings: string[] } {
  const warnings: string[] = [];
  return {
    cpu: readCpu(inventorySources({ run: fakeRunner({}), sysRoot: tree.sys, procRoot: tree.proc }), (message) =>
      warnings.push(message),
    ),
    warnings,
  };
}

describe('the CPU', () => {
  it('parses kernel CPU lists', () => {
    expect(parseCpuList('0-3,6,8-9\n')).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('')).toEqual([]);
  });

  it('counts a hybrid CPU from sysfs topology: 8 P-cores with 2 threads, 4 E-cores with 1', () => {
    tree.file('sys/devices/system/cpu/online', '0-19\n');
    for (let cpu = 0; cpu < 20; cpu++) {
      const siblings = cpu < 16 ? `${cpu - (cpu % 2)}-${cpu - (cpu % 2) + 1}` : `${cpu}`;
      tree.file(`sys/devices/system/cpu/cpu${cpu}/topology/core_cpus_list`, `${siblings}\n`);
    }
    cpuinfo(20, (cpu) => (cpu < 16 ? Math.floor(cpu / 2) * 4 : 32 + cpu));
    expect(read()).toEqual({ cpu: { model: MODEL, cores: 12, threads: 20 }, warnings: [] });
  });

  it('counts only online CPUs, with thread_siblings_list on older kernels', () => {
    tree.file('sys/devices/system/cpu/online', '0-2\n');
    for (const [cpu, siblings] of [
      [0, '0,2'],
      [1, '1,3'],
      [2, '0,2'],
    ] as const)
      tree.file(`sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`, `${siblings}\n`);
    cpuinfo(3, (cpu) => cpu % 2);
    expect(read().cpu).toEqual({ model: MODEL, cores: 2, threads: 3 });
  });

  it('falls back to /proc/cpuinfo (physical id, core id) without sysfs topology', () => {
    cpuinfo(8, (cpu) => cpu % 4);
    expect(read()).toEqual({ cpu: { model: MODEL, cores: 4, threads: 8 }, warnings: [] });
  });

  it('with neither: the CPUs this process may use, a null model, and warnings', () => {
    const { cpu, warnings } = read();
    expect(cpu.model).toBeNull();
    expect(cpu.threads).toBeGreaterThan(0);
    expect(cpu.cores).toBe(cpu.threads);
    expect(warnings).toHaveLength(2);
  });
});
