import {
  API_PREFIX, Group, GroupAdd, GroupList, GroupRemove, Host, HostCreate, HostDetail, HostList, ImageDetail, ImageList, ImageVerification, PinCreate, PinCreated, PinRevoke, PinRevoked,
  Task, TaskBatchCreate, TaskBatchCreated, TaskCreate, TaskCreated, TaskList, TaskListQuery, TaskLogs, TechCreate, Technician, TechList,
} from '../api.ts';
import { TaskKindCatalog } from '../kinds/catalog.ts';
import { Manifest } from '../manifest.ts';
import { RecoveredList } from '../recovered.ts';
import { GroupParams, HostParams, IdParams, ImageFileParams, ImageParams, RecoveredFileParams, TechParams } from './params.ts';
import { defineRoutes, NO_CONTENT, STREAM } from './route.ts';

/** The admin's hosts, groups, images, tasks and technicians (`brume host|group|image|task|tech …`). */
export const adminRoutes = defineRoutes({
  hostList: { method: 'GET', mount: API_PREFIX, path: '/hosts', auth: 'admin', area: 'hosts', summary: 'Every host', responses: { 200: HostList } },
  hostCreate: { method: 'POST', mount: API_PREFIX, path: '/hosts', auth: 'admin', area: 'hosts', body: HostCreate, summary: 'A new host by name and MAC addresses', responses: { 201: Host } },
  hostShow: { method: 'GET', mount: API_PREFIX, path: '/hosts/:name', auth: 'admin', area: 'hosts', params: HostParams, summary: 'A host with its inventories, newest first', responses: { 200: HostDetail } },
  hostDelete: { method: 'DELETE', mount: API_PREFIX, path: '/hosts/:name', auth: 'admin', area: 'hosts', params: HostParams, summary: 'Forgets a host (409 while it has an active task)', responses: { 204: NO_CONTENT } },

  groupList: { method: 'GET', mount: API_PREFIX, path: '/groups', auth: 'admin', area: 'groups', summary: 'Every group', responses: { 200: GroupList } },
  groupAdd: { method: 'POST', mount: API_PREFIX, path: '/groups', auth: 'admin', area: 'groups', body: GroupAdd, summary: 'Creates the group if needed and adds hosts to it once', responses: { 200: Group } },
  groupShow: { method: 'GET', mount: API_PREFIX, path: '/groups/:name', auth: 'admin', area: 'groups', params: GroupParams, summary: 'A group and its hosts', responses: { 200: Group } },
  groupRemove: { method: 'POST', mount: API_PREFIX, path: '/groups/:name/remove', auth: 'admin', area: 'groups', params: GroupParams, body: GroupRemove, summary: 'Takes hosts out of a group', responses: { 200: Group } },
  groupDelete: { method: 'DELETE', mount: API_PREFIX, path: '/groups/:name', auth: 'admin', area: 'groups', params: GroupParams, summary: 'Deletes a group (not its hosts)', responses: { 204: NO_CONTENT } },

  imageList: { method: 'GET', mount: API_PREFIX, path: '/images', auth: 'admin', area: 'images', summary: 'The published images', responses: { 200: ImageList } },
  imageShow: { method: 'GET', mount: API_PREFIX, path: '/images/:name', auth: 'admin', area: 'images', params: ImageParams, summary: 'An image with its manifest', responses: { 200: ImageDetail } },
  imageVerify: { method: 'POST', mount: API_PREFIX, path: '/images/:name/verify', auth: 'admin', area: 'images', params: ImageParams, summary: "Reads every file back and checks its chunks' sha256", responses: { 200: ImageVerification } },
  imageDelete: {
    method: 'DELETE', mount: API_PREFIX, path: '/images/:name', auth: 'admin', area: 'images', params: ImageParams,
    summary: 'Deletes an image (409 while a queued or running task uses it)', responses: { 204: NO_CONTENT },
  },
  imageManifest: {
    method: 'GET', mount: API_PREFIX, path: '/images/:name/manifest', auth: 'image-reader', area: 'images', params: ImageParams,
    summary: "An image's manifest (a deploy task's token may read only its own image)", responses: { 200: Manifest },
  },
  imageFile: {
    method: 'GET', mount: API_PREFIX, path: '/images/:name/files/:file', head: true, auth: 'image-reader', area: 'images', params: ImageFileParams,
    summary: "An image's file, streamed (Range, If-None-Match, If-Range; its sha256 is the ETag)", responses: { 200: STREAM, 206: STREAM },
  },

  taskCreate: {
    method: 'POST', mount: API_PREFIX, path: '/tasks', auth: 'admin', area: 'tasks', body: TaskCreate,
    summary: 'A task for a host, with its one-time token and kernel command line', responses: { 201: TaskCreated },
  },
  taskBatchCreate: {
    method: 'POST', mount: API_PREFIX, path: '/tasks/batch', auth: 'admin', area: 'tasks', body: TaskBatchCreate,
    summary: 'One task per host of a group (not for a capture)', responses: { 201: TaskBatchCreated },
  },
  taskList: {
    method: 'GET', mount: API_PREFIX, path: '/tasks', auth: 'admin', area: 'tasks', query: TaskListQuery,
    summary: 'Tasks, newest first, by state, host, kind, batch, `since` (ISO, compared with creation time) and `limit`', responses: { 200: TaskList },
  },
  taskShow: {
    method: 'GET', mount: API_PREFIX, path: '/tasks/:id', auth: 'admin', area: 'tasks', params: IdParams,
    summary: 'A task (an ended one with `durationSeconds`, `bytes`, `bytesPerSecond`; `heardAt`: its agent\'s last post)', responses: { 200: Task },
  },
  taskKinds: {
    method: 'GET', mount: API_PREFIX, path: '/task-kinds', auth: 'admin', area: 'tasks',
    summary: "Every task kind's declaration (title, image and disk needs, flags, params and result as JSON Schema): what task forms are built from",
    responses: { 200: TaskKindCatalog },
  },
  taskCancel: { method: 'POST', mount: API_PREFIX, path: '/tasks/:id/cancel', auth: 'admin', area: 'tasks', params: IdParams, summary: 'Cancels a queued or running task', responses: { 200: Task } },
  taskLogs: { method: 'GET', mount: API_PREFIX, path: '/tasks/:id/logs', auth: 'admin', area: 'tasks', params: IdParams, summary: 'The log files its agent sent at the end', responses: { 200: TaskLogs } },
  taskRecoveredList: {
    method: 'GET', mount: API_PREFIX, path: '/tasks/:id/recovered', auth: 'admin', area: 'recovered', params: IdParams,
    summary: "A recover task's committed files", responses: { 200: RecoveredList },
  },
  taskRecoveredFile: {
    method: 'GET', mount: API_PREFIX, path: '/tasks/:id/recovered/:file', auth: 'admin', area: 'recovered', params: RecoveredFileParams,
    summary: 'A recovered file, streamed', responses: { 200: STREAM },
  },

  techList: { method: 'GET', mount: API_PREFIX, path: '/techs', auth: 'admin', area: 'technicians', summary: "The technicians' accounts", responses: { 200: TechList } },
  techAdd: { method: 'POST', mount: API_PREFIX, path: '/techs', auth: 'admin', area: 'technicians', body: TechCreate, summary: "A technician's account", responses: { 201: Technician } },
  techDelete: { method: 'DELETE', mount: API_PREFIX, path: '/techs/:name', auth: 'admin', area: 'technicians', params: TechParams, summary: "Deletes a technician's account", responses: { 204: NO_CONTENT } },
  pinCreate: { method: 'POST', mount: API_PREFIX, path: '/techs/pins', auth: 'admin', area: 'technicians', body: PinCreate, summary: "A PIN for a day's work in a room", responses: { 201: PinCreated } },
  pinRevoke: {
    method: 'POST', mount: API_PREFIX, path: '/techs/pins/revoke', auth: 'admin', area: 'technicians', body: PinRevoke,
    summary: 'One PIN (or `all`) stops working at once, and the PC sessions it opened end: how many of each', responses: { 200: PinRevoked },
  },
});
