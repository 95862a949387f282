import { join } from 'node:path';
import { BrumeError, IMAGE_NAME_PATTERN } from '@brume/protocol';

/** The only way a request's names become paths: each is one plain segment, checked here even if a route checked it. */
const PLAIN_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function imageSegment(name: string): string {
  if (!IMAGE_NAME_PATTERN.test(name)) throw new BrumeError('BAD_REQUEST', `not an image name: ${JSON.stringify(name)}`);
  return name;
}

export function fileSegment(file: string): string {
  if (!PLAIN_FILE.test(file)) throw new BrumeError('BAD_REQUEST', `not an image file name: ${JSON.stringify(file)}`);
  return file;
}

export function taskSegment(taskId: number): string {
  if (!Number.isSafeInteger(taskId) || taskId <= 0) throw new BrumeError('BAD_REQUEST', `not a task id: ${taskId}`);
  return String(taskId);
}

export function joinSafe(dir: string, file: string): string {
  return join(dir, fileSegment(file));
}
