export { errorTable, errorCodes, type ErrorCode } from './errors.ts';
export { BrumeError, toBrumeError } from './brume-error.ts';
export * from './manifest.ts';
export * from './events.ts';
export * from './plan.ts';
export * from './api.ts';
export * from './inventory.ts';
export * from './multicast.ts';
