import { wipeDisk } from './wipe.ts';
import { runTool } from '../sys/exec.ts';
const events: unknown[] = [];
const [disk, mode, zm] = process.argv.slice(2);
const result = await wipeDisk({ disk: disk!, mode: mode as 'fast', explicit: false, ...(zm ? { zeroMethod: zm as 'write' } : {}) }, { run: runTool, reporter: { event: (e) => events.push(e) } });
console.log(JSON.stringify(result, null, 1));
console.log(events.length, 'events', JSON.stringify(events.slice(0, 4)));
