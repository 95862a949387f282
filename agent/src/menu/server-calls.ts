import type {
  AgentCare,
  AgentLookupResult,
  AgentRegister,
  AgentRegistered,
  ImageList,
  Inventory,
  MulticastList,
  ServerHealth,
  TaskCreated,
  TechLogin,
  TechSession,
} from '@brume/protocol';
import { createApiClient, type ApiClient } from '../api/client.ts';

/**
 * The menu's requests to the server, each with its own short-lived client: a technician may leave the menu open for
 * hours, and a pool kept open that long only holds dead connections.
 */
export class MenuServer {
  readonly #url: string;
  readonly #retryDeadlineMs: number;

  constructor(url: string, retryDeadlineMs: number) {
    this.#url = url;
    this.#retryDeadlineMs = retryDeadlineMs;
  }

  get url(): string {
    return this.#url;
  }

  async #with<T>(token: string | undefined, call: (client: ApiClient) => Promise<T>): Promise<T> {
    const client = createApiClient({
      server: this.#url,
      ...(token === undefined ? {} : { token }),
      retry: { deadlineMs: this.#retryDeadlineMs },
    });
    try {
      return await call(client);
    } finally {
      await client.close();
    }
  }

  health = (): Promise<ServerHealth> => this.#with(undefined, (client) => client.call('health', {}));
  lookup = (macs: string[]): Promise<AgentLookupResult> =>
    this.#with(undefined, (client) => client.call('agentLookup', { body: { macs } }));
  /** Quick registration without choices; a full one with what the form holds (the server checks each). */
  register = (inventory: Inventory, choices: Omit<AgentRegister, 'inventory'> = {}): Promise<AgentRegistered> =>
    this.#with(undefined, (client) => client.call('agentRegister', { body: { inventory, ...choices } }));
  login = (login: TechLogin): Promise<TechSession> =>
    this.#with(undefined, (client) => client.call('techLogin', { body: login }, { once: true }));
  images = (session: TechSession): Promise<ImageList> =>
    this.#with(session.token, (client) => client.call('pcImages', {}));
  deploy = (session: TechSession, macs: string[], image: string): Promise<TaskCreated> =>
    this.#with(session.token, (client) => client.call('pcDeploy', { body: { macs, image } }, { once: true }));
  /** A disk-care task (wipe, surface test, virus scan, recovery) for this PC, with its settings. */
  care = (
    session: TechSession,
    macs: string[],
    kind: AgentCare['kind'],
    params: Record<string, unknown>,
  ): Promise<TaskCreated> =>
    this.#with(session.token, (client) => client.call('pcCare', { body: { macs, kind, params } }, { once: true }));
  multicastSessions = (session: TechSession): Promise<MulticastList> =>
    this.#with(session.token, (client) => client.call('pcMulticastList', {}));
  joinMulticast = (session: TechSession, id: number, macs: string[]): Promise<TaskCreated> =>
    this.#with(session.token, (client) =>
      client.call('pcMulticastJoin', { params: { id }, body: { macs } }, { once: true }),
    );
}
