export { errorTable, errorCodes, type ErrorCode } from './errors.ts';
export { BrumeError, toBrumeError } from './brume-error.ts';
export * from './manifest.ts';
export * from './events.ts';
export * from './plan.ts';
export * from './api.ts';
export {
  taskKinds,
  kindDeclarations,
  kindDeclaration,
  isTaskKind,
  bytesMoved,
  declareKind,
  type KindDeclaration,
  type KindFlag,
  type KindParams,
  type KindResult,
  type AgentKindResult,
  type TaskKindDeclaration,
  type TaskKindRegistry,
} from './kinds/index.ts';
export * from './inventory.ts';
export * from './multicast.ts';
export * from './signatures.ts';
export * from './schedules.ts';
export * from './recovered.ts';
export * from './routes/index.ts';
export * from './format.ts';
export * from './image-files.ts';
export { TaskKindCatalog, TaskKindInfo, kindInfo, taskKindCatalog } from './kinds/catalog.ts';
