import { request } from 'undici';
import {
  prepareCall,
  readAnswer,
  routes,
  type CallInput,
  type CallResult,
  type RouteName,
  type Routes,
} from '@brume/protocol';

/** Calls a route of the table as the admin, the way the admin CLI does, and reads its answer with the route's schema. */
export type AdminCall = <N extends RouteName>(name: N, input: CallInput<Routes[N]>) => Promise<CallResult<Routes[N]>>;

/**
 * The integration tests' admin client: any answer but a success the route declares is a thrown error naming the
 * route and the server's words, so a test reads as the steps a technician takes.
 */
export function adminCall(server: () => { url: string; token: string }): AdminCall {
  return async (name, input) => {
    const { url, token } = server();
    const prepared = prepareCall(routes[name], input);
    const response = await request(`${url}${prepared.target}`, {
      method: prepared.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(prepared.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: prepared.json ?? null,
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${prepared.where}: HTTP ${response.statusCode} ${text}`);
    const answer = readAnswer(routes[name], response.statusCode, text);
    if (!answer.ok)
      throw new Error(
        `${prepared.where}: an answer its schema cannot read: ${JSON.stringify(answer.issues.slice(0, 3))}`,
      );
    return answer.value;
  };
}
