import { z } from 'zod';
import { TechName } from '../api.ts';
import { defineRoutes, NO_CONTENT, TEXT } from './route.ts';

/** The dashboard's login: the admin token, or a technician's account (PINs are for PCs in a room). */
export const DashboardLogin = z.union([
  z.strictObject({ token: z.string().min(1).max(512) }),
  z.strictObject({ name: TechName, password: z.string().min(1).max(256) }),
]);
export const DashboardWho = z.object({
  role: z.enum(['admin', 'technician']),
  name: z.string(),
  expiresAt: z.iso.datetime(),
});
export type DashboardWho = z.infer<typeof DashboardWho>;

/** The web dashboard's own routes beside the API; its JSON calls go to the admin routes with its session cookie. */
export const dashboardRoutes = defineRoutes({
  dashboardLogin: {
    method: 'POST',
    mount: '',
    path: '/dashboard/login',
    auth: 'none',
    area: 'dashboard',
    body: DashboardLogin,
    summary:
      'Opens a session (an HttpOnly, SameSite=Strict cookie) from the admin token or an account; same origin only',
    responses: { 200: DashboardWho },
  },
  dashboardLogout: {
    method: 'POST',
    mount: '',
    path: '/dashboard/logout',
    auth: 'none',
    area: 'dashboard',
    summary: 'Ends the session',
    responses: { 204: NO_CONTENT },
  },
  dashboardSession: {
    method: 'GET',
    mount: '',
    path: '/dashboard/session',
    auth: 'dashboard-session',
    area: 'dashboard',
    summary: 'Who is logged in, until when',
    responses: { 200: DashboardWho },
  },
  dashboardEvents: {
    method: 'GET',
    mount: '',
    path: '/dashboard/events',
    auth: 'dashboard-session',
    area: 'dashboard',
    summary: 'Server-sent events (`text/event-stream`): `hello`, then `task` and `events` messages as they happen',
    responses: { 200: TEXT },
  },
});
