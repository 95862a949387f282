// How numbers read on a wall screen: binary units, one decimal, short durations.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function bytes(value) {
  let amount = value;
  let unit = 0;
  while (amount >= 1024 && unit < UNITS.length - 1) {
    amount /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? amount : amount.toFixed(1)} ${UNITS[unit]}`;
}

export const rate = (bytesPerSecond) => `${bytes(bytesPerSecond)}/s`;

export function duration(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function time(iso) {
  if (iso === null || iso === undefined) return '';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

/** A progress event as one line: "d1p2 · 1.2 GiB / 4.0 GiB · 110.0 MiB/s · ETA 30 s". */
export function progressLine(progress) {
  if (progress === null || progress === undefined) return '';
  const parts = [
    progress.target,
    `${bytes(progress.bytesDone)} / ${bytes(progress.bytesTotal)}`,
    rate(progress.bytesPerSecond),
  ];
  if (progress.etaSeconds !== null) parts.push(`ETA ${duration(progress.etaSeconds)}`);
  return parts.join(' · ');
}

/** An inventory in one line: maker and model, CPU, memory, disks. */
export function inventoryLine(inventory) {
  if (inventory === undefined) return '—';
  const machine = [inventory.system.vendor, inventory.system.model].filter(Boolean).join(' ') || 'unknown machine';
  const cpu = `${inventory.cpu.model ?? 'CPU'} (${inventory.cpu.cores}c/${inventory.cpu.threads}t)`;
  const disks =
    inventory.disks
      .filter((disk) => !disk.removable)
      .map((disk) => `${disk.name} ${bytes(disk.sizeBytes)}`)
      .join(', ') || 'no disk';
  return `${machine} · ${cpu} · ${bytes(inventory.memoryBytes)} RAM · ${disks} · ${inventory.firmware.mode.toUpperCase()}`;
}
