import { AgentCare, AgentDeploy, AgentLookup, AgentLookupResult, AgentRegister, AgentRegistered, API_PREFIX, ImageList, TaskCreated, TechLogin, TechSession } from '../api.ts';
import { MulticastList, MulticastPcJoin } from '../multicast.ts';
import { IdParams } from './params.ts';
import { defineRoutes } from './route.ts';

/** What a PC in the ramdisk's menu asks before it has a task: whether it is known, to register, a technician's work. */
export const registrationRoutes = defineRoutes({
  agentLookup: {
    method: 'POST', mount: API_PREFIX, path: '/agent/lookup', auth: 'none', area: 'registration', body: AgentLookup,
    summary: 'The host owning one of these MACs (`{host: {name}}`), else `{host: null}`',
    responses: { 200: AgentLookupResult },
  },
  agentRegister: {
    method: 'POST', mount: API_PREFIX, path: '/agent/register', auth: 'none', area: 'registration', body: AgentRegister,
    summary: 'Quick or full registration from an inventory: 201 a new host, 200 a known one (the group and the image must exist)',
    responses: { 200: AgentRegistered, 201: AgentRegistered },
  },
  techLogin: {
    method: 'POST', mount: API_PREFIX, path: '/agent/tech-login', auth: 'none', area: 'technician', body: TechLogin,
    summary: 'A technician logs in at a PC with a PIN or an account: a session token (`bk_…`, 4 h)',
    responses: { 200: TechSession },
  },
  pcImages: { method: 'GET', mount: API_PREFIX, path: '/agent/images', auth: 'technician', area: 'technician', summary: 'The images a PC may deploy', responses: { 200: ImageList } },
  pcDeploy: {
    method: 'POST', mount: API_PREFIX, path: '/agent/deploy', auth: 'technician', area: 'technician', body: AgentDeploy,
    summary: 'A deploy task for the host owning one of the MACs, with its token, for the PC to run at once',
    responses: { 201: TaskCreated },
  },
  pcCare: {
    method: 'POST', mount: API_PREFIX, path: '/agent/care', auth: 'technician', area: 'technician', body: AgentCare,
    summary: 'A disk-care task (wipe, surface-test, virus-scan, recover) for this PC, its params checked as `POST /tasks` checks them',
    responses: { 201: TaskCreated },
  },
  pcMulticastList: { method: 'GET', mount: API_PREFIX, path: '/agent/multicast', auth: 'technician', area: 'technician', summary: 'The multicast sessions under way', responses: { 200: MulticastList } },
  pcMulticastJoin: {
    method: 'POST', mount: API_PREFIX, path: '/agent/multicast/:id/join', auth: 'technician', area: 'technician', params: IdParams, body: MulticastPcJoin,
    summary: "This PC's queued task of the session (a new token), else a new deploy task in it",
    responses: { 201: TaskCreated },
  },
});
