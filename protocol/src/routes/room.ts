import { API_PREFIX } from '../api.ts';
import { MulticastList, MulticastSession, MulticastStart, MulticastStarted } from '../multicast.ts';
import { Schedule, ScheduleCreate, ScheduleDetail, ScheduleList, WakeReport, WakeRequest } from '../schedules.ts';
import { SignatureFile, SignatureList } from '../signatures.ts';
import { IdParams, SignatureParams, SignatureUploadHeaders } from './params.ts';
import { defineRoutes, NO_CONTENT, STREAM } from './route.ts';

/** The admin's routes for a room at once: multicast sessions, schedules and Wake-on-LAN, virus signatures. */
export const roomRoutes = defineRoutes({
  multicastStart: {
    method: 'POST', mount: API_PREFIX, path: '/multicast', auth: 'admin', area: 'multicast', body: MulticastStart,
    summary: 'A multicast session: one deploy task per host, one udp-sender stream per file', responses: { 201: MulticastStarted },
  },
  multicastList: { method: 'GET', mount: API_PREFIX, path: '/multicast', auth: 'admin', area: 'multicast', summary: 'Every multicast session', responses: { 200: MulticastList } },
  multicastShow: { method: 'GET', mount: API_PREFIX, path: '/multicast/:id', auth: 'admin', area: 'multicast', params: IdParams, summary: 'A session and its receivers', responses: { 200: MulticastSession } },
  multicastCancel: {
    method: 'POST', mount: API_PREFIX, path: '/multicast/:id/cancel', auth: 'admin', area: 'multicast', params: IdParams,
    summary: 'Cancels a session and its unfinished tasks', responses: { 200: MulticastSession },
  },

  scheduleCreate: {
    method: 'POST', mount: API_PREFIX, path: '/schedules', auth: 'admin', area: 'schedules', body: ScheduleCreate,
    summary: "A group's task at a time or on a cron pattern", responses: { 201: Schedule },
  },
  scheduleList: { method: 'GET', mount: API_PREFIX, path: '/schedules', auth: 'admin', area: 'schedules', summary: 'Every schedule', responses: { 200: ScheduleList } },
  scheduleShow: {
    method: 'GET', mount: API_PREFIX, path: '/schedules/:id', auth: 'admin', area: 'schedules', params: IdParams,
    summary: 'A schedule with its firings (fired, failed, missed)', responses: { 200: ScheduleDetail },
  },
  schedulePause: { method: 'POST', mount: API_PREFIX, path: '/schedules/:id/pause', auth: 'admin', area: 'schedules', params: IdParams, summary: 'Pauses a schedule', responses: { 200: Schedule } },
  scheduleResume: { method: 'POST', mount: API_PREFIX, path: '/schedules/:id/resume', auth: 'admin', area: 'schedules', params: IdParams, summary: 'Resumes a paused schedule', responses: { 200: Schedule } },
  scheduleDelete: { method: 'DELETE', mount: API_PREFIX, path: '/schedules/:id', auth: 'admin', area: 'schedules', params: IdParams, summary: 'Deletes a schedule', responses: { 204: NO_CONTENT } },
  wake: { method: 'POST', mount: API_PREFIX, path: '/wake', auth: 'admin', area: 'schedules', body: WakeRequest, summary: 'One Wake-on-LAN magic packet per MAC of the hosts or group', responses: { 200: WakeReport } },

  signatureList: { method: 'GET', mount: API_PREFIX, path: '/signatures', auth: 'admin', area: 'signatures', summary: 'The ClamAV databases the server holds', responses: { 200: SignatureList } },
  signatureUpload: {
    method: 'PUT', mount: API_PREFIX, path: '/signatures/:name', auth: 'admin', area: 'signatures', params: SignatureParams, headers: SignatureUploadHeaders, body: STREAM,
    summary: "A ClamAV database's bytes, an optional `x-brume-sha256` checked first: 201 new, 200 replaced", responses: { 200: SignatureFile, 201: SignatureFile },
  },
  signatureDelete: {
    method: 'DELETE', mount: API_PREFIX, path: '/signatures/:name', auth: 'admin', area: 'signatures', params: SignatureParams,
    summary: 'Deletes an uploaded database (400 for a file of the `--signatures DIR` mirror)', responses: { 204: NO_CONTENT },
  },
});
