import { z } from 'zod';
import { API_PREFIX, ServerHealth } from '../api.ts';
import { defineRoutes, TEXT } from './route.ts';

/** The OpenAPI document, described only as far as a client checks it. */
export const OpenApiDocument = z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) });

export const metaRoutes = defineRoutes({
  health: {
    method: 'GET',
    mount: API_PREFIX,
    path: '/health',
    auth: 'none',
    area: 'meta',
    summary: 'Liveness and the server version',
    responses: { 200: ServerHealth },
  },
  openApi: {
    method: 'GET',
    mount: API_PREFIX,
    path: '/openapi.json',
    auth: 'none',
    area: 'meta',
    summary: 'This contract as an OpenAPI 3.1 document',
    responses: { 200: OpenApiDocument },
  },
  metrics: {
    method: 'GET',
    mount: '',
    path: '/metrics',
    auth: 'metrics',
    area: 'metrics',
    summary:
      'Prometheus text format 0.0.4: tasks, bytes moved, housekeeping (README, "Task history, retention, silent agents and metrics")',
    responses: { 200: TEXT },
  },
});
