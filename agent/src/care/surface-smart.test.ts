import { describe, expect, it } from 'vitest';
import type { Runner } from '../sys/exec.ts';
import { parseSmartCounters, readSmartCounters } from './surface-smart.ts';

/** Recorded: smartctl 7.3 -j -H -A on a loop device of this host (exit 1), trimmed to the fields read. */
const LOOP = JSON.stringify({
  smartctl: {
    version: [7, 3],
    messages: [{ string: '/dev/loop5: Unable to detect device type', severity: 'error' }],
    exit_status: 1,
  },
});

/** Derived: the shape smartctl 7 prints for a SATA HDD with pending and reallocated sectors (values made up). */
const ATA = JSON.stringify({
  smart_status: { passed: true },
  ata_smart_attributes: {
    revision: 16,
    table: [
      { id: 1, name: 'Raw_Read_Error_Rate', raw: { value: 19215, string: '19215' } },
      { id: 5, name: 'Reallocated_Sector_Ct', raw: { value: 8, string: '8' } },
      { id: 9, name: 'Power_On_Hours', raw: { value: 40000, string: '40000' } },
      { id: 197, name: 'Current_Pending_Sector', raw: { value: 3, string: '3' } },
      { id: 198, name: 'Offline_Uncorrectable', raw: { value: 1, string: '1' } },
    ],
  },
});

/** Derived: the shape smartctl 7 prints for an NVMe drive whose health check failed (exit 8: DISK_FAILING). */
const NVME = JSON.stringify({
  smart_status: { passed: false, nvme: { value: 4 } },
  nvme_smart_health_information_log: {
    critical_warning: 4,
    temperature: 40,
    percentage_used: 103,
    media_errors: 12,
    num_err_log_entries: 57,
  },
});

describe('parseSmartCounters', () => {
  it("a loop device: unavailable, with smartctl's reason", () => {
    expect(parseSmartCounters(LOOP, 1)).toEqual({
      available: false,
      reason: '/dev/loop5: Unable to detect device type',
    });
  });

  it('ATA: the health and the bad-place counters, nothing else', () => {
    expect(parseSmartCounters(ATA, 0)).toEqual({
      available: true,
      health: 'passed',
      counters: { reallocatedSectors: 8, pendingSectors: 3, offlineUncorrectable: 1 },
    });
  });

  it('NVMe: failed, media errors and error-log entries', () => {
    expect(parseSmartCounters(NVME, 8)).toEqual({
      available: true,
      health: 'failed',
      counters: { mediaErrors: 12, errorLogEntries: 57, criticalWarning: 4, percentageUsed: 103 },
    });
  });

  it('SCSI: grown defects and uncorrected reads', () => {
    const scsi = JSON.stringify({
      smart_status: { passed: true },
      scsi_grown_defect_list: 2,
      scsi_error_counter_log: { read: { total_uncorrected_errors: 5 } },
    });
    expect(parseSmartCounters(scsi, 0)).toEqual({
      available: true,
      health: 'passed',
      counters: { grownDefects: 2, uncorrectedReadErrors: 5 },
    });
  });

  it('no JSON: the failing bit still says failed', () => {
    expect(parseSmartCounters('', 8)).toEqual({ available: true, health: 'failed', counters: {} });
    expect(parseSmartCounters('', 0)).toMatchObject({ available: false });
  });
});

describe('readSmartCounters', () => {
  it('unavailable, not a rejection, when smartctl cannot run or never answers', async () => {
    const missing: Runner = () => Promise.reject(new Error('spawn smartctl ENOENT'));
    expect(await readSmartCounters(missing, '/dev/sda', 1000)).toEqual({
      available: false,
      reason: 'smartctl did not run: spawn smartctl ENOENT',
    });
    const hung: Runner = () => new Promise(() => undefined);
    expect(await readSmartCounters(hung, '/dev/sda', 20)).toEqual({
      available: false,
      reason: 'smartctl gave no answer in 0.02 s',
    });
  });
});
