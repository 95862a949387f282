import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '@brume/protocol';
import type { InventorySources, Warn } from './deps.ts';
import { cleanText, readText } from './sysfs.ts';

/** "0-3,6,8-9" → [0, 1, 2, 3, 6, 8, 9]: the kernel's CPU list format. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (range === null) continue;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    for (let cpu = first; cpu <= last; cpu++) cpus.push(cpu);
  }
  return cpus;
}

interface Counts {
  cores: number;
  threads: number;
}

/**
 * Cores and threads from sysfs topology: threads are the online CPUs, cores the distinct sets of threads sharing a core
 * (core_cpus_list, thread_siblings_list before 5.x). Unlike core_id, a sibling set is unique across packages and dies,
 * and it counts hybrid CPUs (P-cores with two threads, E-cores with one) right.
 */
function sysfsCounts(sysRoot: string): Counts | undefined {
  const cpuDir = join(sysRoot, 'devices', 'system', 'cpu');
  const online = readText(join(cpuDir, 'online'));
  const cpus = online === undefined ? [] : parseCpuList(online);
  if (cpus.length === 0) return undefined;
  const cores = new Set<string>();
  for (const cpu of cpus) {
    const topology = join(cpuDir, `cpu${cpu}`, 'topology');
    const siblings = readText(join(topology, 'core_cpus_list')) ?? readText(join(topology, 'thread_siblings_list'));
    if (siblings === undefined) return { threads: cpus.length, cores: cpus.length };
    cores.add(siblings);
  }
  return { threads: cpus.length, cores: cores.size };
}

/** The same from /proc/cpuinfo: one `processor` block per thread, cores named by (physical id, core id) on x86. */
function cpuinfoCounts(cpuinfo: string): Counts | undefined {
  const blocks = cpuinfo.split(/\n\s*\n/).filter((block) => /^processor\s*:/m.test(block));
  if (blocks.length === 0) return undefined;
  const cores = new Set<string>();
  for (const block of blocks) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (physical === undefined || core === undefined) return { threads: blocks.length, cores: blocks.length };
    cores.add(`${physical}:${core}`);
  }
  return { threads: blocks.length, cores: cores.size };
}

/**
 * The CPU. Model from /proc/cpuinfo's "model name", verbatim as the CPU reports it (the brand string a technician looks
 * up); x86 always has one. Counts from sysfs topology, else /proc/cpuinfo. systeminformation.cpu() was weighed: it runs
 * lscpu (which reads these same files) and a shell pipeline, and drops the maker from the model ("EPYC").
 */
export function readCpu(src: InventorySources, warn: Warn): Inventory['cpu'] {
  const cpuinfo = readText(join(src.procRoot, 'cpuinfo')) ?? '';
  const model = cleanText(/^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]);
  if (model === null) warn('CPU model: /proc/cpuinfo names none');
  const counts = sysfsCounts(src.sysRoot) ?? cpuinfoCounts(cpuinfo);
  if (counts !== undefined) return { model, ...counts };
  // Both unreadable: the CPUs this process may run on is a floor the protocol accepts (it needs a positive count).
  const threads = availableParallelism();
  warn(
    `CPU cores and threads: neither sysfs topology nor /proc/cpuinfo was readable; ${threads} is the CPUs this process may use`,
  );
  return { model, cores: threads, threads };
}
