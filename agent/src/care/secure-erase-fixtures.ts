// Tests only: what `hdparm -I`, `nvme id-ctrl -o json` and `nvme sanitize-log -o json` print, standing in for the NVMe
// and ATA drives the machines that build Brume do not have. "Recorded" outputs were printed by real drives (the source
// is named); "derived" ones change the recorded state lines or fields a real drive shows in that state, nothing else.
// No production module imports this file.

/** Recorded: WDC WD5000AAKS (500 GB SATA HDD), posted on the Ubuntu forums in 2010; security supported, not frozen. */
export const HDPARM_WD5000AAKS = `
/dev/sdb:

ATA device, with non-removable media
        Model Number:       WDC WD5000AAKS-00TMA0
        Serial Number:      WD-WCAPW1454620
        Firmware Revision:  12.01C01
Standards:
        Supported: 7 6 5 4
        Likely used: 8
Configuration:
        LBA48  user addressable sectors:  976773168
        Logical/Physical Sector size:           512 bytes
        device size with M = 1000*1000:      500107 MBytes (500 GB)
Commands/features:
        Enabled Supported:
           *    SMART feature set
                Security Mode feature set
           *    Power Management feature set
Security:
        Master password revision code = 65534
                supported
        not     enabled
        not     locked
        not     frozen
        not     expired: security count
        not     supported: enhanced erase
        122min for SECURITY ERASE UNIT.
Logical Unit WWN Device Identifier: 50014ee2aaec102a
        NAA             : 5
        IEEE OUI        : 0014ee
        Unique ID       : 2aaec102a
Checksum: correct
`;

/**
 * Recorded: the security block of a Samsung SSD (WWN OUI 002538) as hdparm prints it, with tabs: frozen by the BIOS at
 * boot, enhanced erase supported. Only that block and the WWN were recorded; the lines above "Security:" are filler.
 */
export const HDPARM_SAMSUNG_FROZEN = [
  '',
  '/dev/sda:',
  '',
  'ATA device, with non-removable media',
  'Commands/features:',
  '\tEnabled\tSupported:',
  '\t    \tSecurity Mode feature set',
  '\t   *\tData Set Management TRIM supported (limit 8 blocks)',
  'Security: ',
  '\tMaster password revision code = 65534',
  '\t\tsupported',
  '\tnot\tenabled',
  '\tnot\tlocked',
  '\t\tfrozen',
  '\tnot\texpired: security count',
  '\t\tsupported: enhanced erase',
  '\t2min for SECURITY ERASE UNIT. 8min for ENHANCED SECURITY ERASE UNIT.',
  'Logical Unit WWN Device Identifier: 50025388a01c561a',
  '\tNAA\t\t: 5',
  '\tIEEE OUI\t: 002538',
  'Checksum: correct',
  '',
].join('\n');

/** Derived from HDPARM_SAMSUNG_FROZEN: the same drive after a suspend and resume unfroze it. */
export const HDPARM_SAMSUNG_READY = HDPARM_SAMSUNG_FROZEN.replace('\t\tfrozen', '\tnot\tfrozen');

/** Recorded: an Intel X25-M after `--security-set-pass` (ATA Secure Erase guide): enabled, not locked. */
export const HDPARM_X25M_ENABLED = `
Security: 
        Master password revision code = 65534
                supported
                enabled
        not     locked
        not     frozen
        not     expired: security count
                supported: enhanced erase
        Security level high
        2min for SECURITY ERASE UNIT. 2min for ENHANCED SECURITY ERASE UNIT.
Checksum: correct
`;

/** Derived from HDPARM_X25M_ENABLED: after a power cycle with the password still set, the drive comes up locked. */
export const HDPARM_X25M_LOCKED = HDPARM_X25M_ENABLED.replace('not     locked', '        locked');

/** Derived from HDPARM_X25M_ENABLED: a finished erase leaves the password cleared and security disabled. */
export const HDPARM_X25M_DISABLED = HDPARM_X25M_ENABLED.replace('                enabled', '        not     enabled').replace('        Security level high\n', '');

/** Derived from HDPARM_X25M_LOCKED: five wrong passwords later. */
export const HDPARM_X25M_EXPIRED = HDPARM_X25M_LOCKED.replace('not     expired', '        expired');

/** Derived from HDPARM_WD5000AAKS: a drive without the security feature set prints no Security block at all. */
export const HDPARM_NO_SECURITY = HDPARM_WD5000AAKS.slice(0, HDPARM_WD5000AAKS.indexOf('Security:')) + 'Checksum: correct\n';

/**
 * Recorded: `nvme id-ctrl -o json` of a WDC PC SN730 256 GB (the sample Ironic Python Agent's tests carry), abridged to
 * the identity and the capability fields. SANICAP 0x60000003: crypto and block erase; FNA 4: crypto format.
 */
export const NVME_SN730 = {
  vid: 5559,
  ssvid: 5559,
  sn: '1951B3444502        ',
  mn: 'WDC PC SN730 SDBQNTY-256G-1001          ',
  fr: '11170101',
  ver: 66304,
  oacs: 23,
  tnvmcap: 256060514304,
  sanicap: 1610612739,
  nn: 1,
  oncs: 95,
  fna: 4,
  vwc: 7,
} as const;

/** Derived from NVME_SN730: the same fields as a drive without sanitize prints them, with and without crypto format. */
export const NVME_FORMAT_ONLY = { ...NVME_SN730, sanicap: 0 };
export const NVME_USER_DATA_ONLY = { ...NVME_SN730, sanicap: 0, fna: 0 };
export const NVME_BLOCK_ERASE_ONLY = { ...NVME_SN730, sanicap: 0x2 };
export const NVME_NOTHING = { ...NVME_SN730, sanicap: 0, oacs: 0, fna: 0 };

/**
 * `nvme sanitize-log -o json` in nvme-cli 2.x's shape (its json_sanitize_log: the device name, then sprog and an sstat
 * object whose "status" reads "(n) text"). Built from that printer, not recorded.
 */
export function sanitizeLog(status: number, sprog: number): string {
  const texts: Record<number, string> = { 0: 'Never sanitized', 1: 'Sanitize completed successfully', 2: 'Sanitize in progress', 3: 'Sanitize failed' };
  return JSON.stringify({
    nvme0n1: {
      sprog,
      sstat: { global_erased: 0, no_cmplted_passes: status === 1 ? 1 : 0, status: `(${status}) ${texts[status] ?? 'Unknown'}` },
      cdw10_info: 4,
      time_over_write: 4294967295,
      time_block_erase: 4294967295,
      time_crypto_erase: 4294967295,
    },
  });
}

/** nvme-cli 1.x printed SSTAT as a plain number. */
export const SANITIZE_LOG_V1_DONE = JSON.stringify({ nvme0: { sprog: 65535, sstat: 0x101, cdw10_info: 4 } });
