import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { API_PREFIX, BrumeError } from '@brume/protocol';

/**
 * Where the admin CLI finds its server and token: flags first, then BRUME_SERVER / BRUME_TOKEN, then the
 * file BRUME_TOKEN_FILE names. Parsed once, here, into a frozen AdminConfig that every command receives.
 */
export interface AdminConfig {
  /** The server's base URL without the API prefix or a trailing slash: http://10.0.0.5:8080 */
  readonly server: string;
  readonly token: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const missingServer = 'no server given: pass --server URL or set BRUME_SERVER';
const missingToken =
  'no admin token given: pass --token T, or set BRUME_TOKEN or BRUME_TOKEN_FILE (the server writes it to DATA/admin.token at first start)';

const ServerUrl = z
  .string({ error: missingServer })
  .trim()
  .pipe(
    z.url({
      protocol: /^https?$/,
      error: (issue) => `the server must be an http(s) URL such as http://10.0.0.5:8080, got "${String(issue.input)}"`,
    }),
  )
  // Both http://host:8080 and http://host:8080/api/v1/ name the same server.
  .transform((url) =>
    url
      .replace(/\/+$/, '')
      .replace(new RegExp(`${API_PREFIX}$`), '')
      .replace(/\/+$/, ''),
  );

const Token = z
  .string({ error: missingToken })
  .trim()
  .regex(
    /^[\x21-\x7e]+$/,
    'the admin token must be one word of printable characters (is the token file the right one?)',
  );

const AdminConfigSchema = z.object({ server: ServerUrl, token: Token });

/** An empty variable counts as unset, as a shell user expects (`BRUME_TOKEN= brume host list`). */
function setting(...candidates: (string | undefined)[]): string | undefined {
  return candidates.find((value) => value !== undefined && value !== '');
}

function readTokenFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new BrumeError(
      'BAD_REQUEST',
      `cannot read the admin token from BRUME_TOKEN_FILE=${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export function adminConfig(
  flags: { server?: string | undefined; token?: string | undefined },
  env: Env = process.env,
): AdminConfig {
  const tokenFile = setting(env['BRUME_TOKEN_FILE']);
  const token =
    setting(flags.token, env['BRUME_TOKEN']) ?? (tokenFile === undefined ? undefined : readTokenFile(tokenFile));
  const parsed = AdminConfigSchema.safeParse({ server: setting(flags.server, env['BRUME_SERVER']), token });
  if (!parsed.success)
    throw new BrumeError('BAD_REQUEST', parsed.error.issues.map((issue) => issue.message).join('; '));
  return Object.freeze(parsed.data);
}
