// The dashboard's JSON calls: the ordinary API routes, authenticated by the session cookie (no token in the page).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onSessionEnded = () => {};
/** Called when the server answers 401: the session was logged out elsewhere or expired. */
export function whenSessionEnds(callback) {
  onSessionEnded = callback;
}

/** `path` is an API path (/tasks) or a dashboard one (/dashboard/login); the answer's JSON, or undefined for 204. */
export async function call(method, path, body) {
  const url = path.startsWith('/dashboard/') ? path : `/api/v1${path}`;
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (response.status === 204) return undefined;
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const error = new ApiError(
    response.status,
    data?.error?.code ?? 'HTTP',
    data?.error?.message ?? `HTTP ${response.status}`,
  );
  if (response.status === 401 && path !== '/dashboard/login' && path !== '/dashboard/session') onSessionEnded(error);
  throw error;
}

/** Runs `work` over `items` with at most `limit` at once (a room's hosts without a storm of requests). */
export async function eachLimited(items, limit, work) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length > 0) await work(queue.shift());
  });
  await Promise.all(workers);
}
