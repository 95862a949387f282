import { AgentTask, API_PREFIX, EventBatch, EventsAnswer, HeldChunk, ImageSummary, Task, TaskCancelled, TaskComplete, TaskFail, UploadChunkQuery, UploadCommit, UploadListing } from '../api.ts';
import { MulticastJoin } from '../multicast.ts';
import { RecoveredCommit, RecoveredPieceHeld, RecoveredPieceQuery, RecoveredStored } from '../recovered.ts';
import { SignatureList } from '../signatures.ts';
import { IdParams, RecoveredPieceParams, TaskParam, TaskSignatureParams, UploadChunkHeaders, UploadChunkParams } from './params.ts';
import { defineRoutes, NO_CONTENT, STREAM } from './route.ts';

/** The agent's side of its task, with the task's own token. */
export const agentRoutes = defineRoutes({
  agentTask: { method: 'GET', mount: API_PREFIX, path: '/agent/tasks/:id', auth: 'task', area: 'agent', params: IdParams, summary: 'The task as its agent runs it', responses: { 200: AgentTask } },
  agentMulticastJoin: {
    method: 'GET', mount: API_PREFIX, path: '/agent/tasks/:id/multicast', auth: 'task', area: 'agent', params: IdParams,
    summary: 'What a deploy task of a multicast session receives (404 for any other task)',
    responses: { 200: MulticastJoin },
  },
  taskEvents: {
    method: 'POST', mount: API_PREFIX, path: '/tasks/:id/events', auth: 'task', area: 'agent', params: IdParams, body: EventBatch,
    summary: 'Progress events, or none (a heartbeat); the first moves the task `queued → running`; the answer says whether a technician asked the task to stop (204 from servers before cancel requests)',
    responses: { 200: EventsAnswer, 204: NO_CONTENT },
  },
  taskCancelled: {
    method: 'POST', mount: API_PREFIX, path: '/tasks/:id/cancelled', auth: 'task', area: 'agent', params: IdParams, body: TaskCancelled,
    summary: 'The agent stopped as asked: the task is `cancelled`, with what it had written and its logs (only after a cancel request; repeated, the same `Task`)',
    responses: { 200: Task },
  },
  taskComplete: {
    method: 'POST', mount: API_PREFIX, path: '/tasks/:id/complete', auth: 'task', area: 'agent', params: IdParams, body: TaskComplete,
    summary: "The task is `done`, with its result and logs; repeated after a lost answer, the same `Task`; a result that is not what the task's kind reports is a 400 with the issues",
    responses: { 200: Task },
  },
  taskFail: {
    method: 'POST', mount: API_PREFIX, path: '/tasks/:id/fail', auth: 'task', area: 'agent', params: IdParams, body: TaskFail,
    summary: 'The task is `failed`, with its error and logs; idem',
    responses: { 200: Task },
  },
  taskSignatures: {
    method: 'GET', mount: API_PREFIX, path: '/tasks/:id/signatures', auth: 'task', area: 'agent', params: IdParams,
    summary: "The ClamAV databases, for a virus-scan task's token only (403 for other kinds)",
    responses: { 200: SignatureList },
  },
  taskSignatureFile: {
    method: 'GET', mount: API_PREFIX, path: '/tasks/:id/signatures/:name', head: true, auth: 'task', area: 'agent', params: TaskSignatureParams,
    summary: 'A ClamAV database, streamed (Range, If-None-Match, If-Range; its sha256 is the ETag)',
    responses: { 200: STREAM, 206: STREAM },
  },
  uploadListing: {
    method: 'GET', mount: API_PREFIX, path: '/uploads/:task', auth: 'task', area: 'uploads', params: TaskParam,
    summary: 'The chunks the server holds, per file (empty on a first attempt)',
    responses: { 200: UploadListing },
  },
  uploadChunk: {
    method: 'PUT', mount: API_PREFIX, path: '/uploads/:task/:file', auth: 'task', area: 'uploads', params: UploadChunkParams, query: UploadChunkQuery, headers: UploadChunkHeaders, body: STREAM,
    summary: "One chunk's stored bytes, with its sha256 and offset: 201 new, 200 already held (the body discarded)",
    responses: { 200: HeldChunk, 201: HeldChunk },
  },
  uploadCommit: {
    method: 'POST', mount: API_PREFIX, path: '/uploads/:task/commit', auth: 'task', area: 'uploads', params: TaskParam, body: UploadCommit,
    summary: 'Re-verifies every chunk the manifest lists, then one atomic rename publishes the image',
    responses: { 200: ImageSummary },
  },
  recoveredPiece: {
    method: 'PUT', mount: API_PREFIX, path: '/recovered/:task/:file', auth: 'task', area: 'recovered', params: RecoveredPieceParams, query: RecoveredPieceQuery, body: STREAM,
    summary: "Up to 32 MiB of a recovered file from `offset` (Content-Length required), a recover task's token only; 413 past the task's cap, 507 below the reserve",
    responses: { 200: RecoveredPieceHeld },
  },
  recoveredCommit: {
    method: 'POST', mount: API_PREFIX, path: '/recovered/:task/:file/commit', auth: 'task', area: 'recovered', params: RecoveredPieceParams, body: RecoveredCommit,
    summary: 'Checks the file against what the server holds (422 `CHUNK_CORRUPT`), then keeps it as `DATA/recovered/task-ID/FILE`',
    responses: { 200: RecoveredStored },
  },
});
