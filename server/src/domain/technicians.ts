import { createHash, createHmac, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import {
  BrumeError,
  type PinCreated,
  type PinRevoke,
  type PinRevoked,
  type TechLogin,
  type TechSession,
  type Technician,
} from '@brume/protocol';
import type { DomainContext } from './context.ts';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;
/** scrypt with node:crypto's defaults raised to the cost OWASP suggests for interactive logins (N=2^17, r=8, p=1). */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
/** A technician's session on a PC: a morning's work in a room. */
const SESSION_MS = 4 * 60 * 60 * 1000;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/**
 * A PIN as stored: an HMAC with the server's secret (DATA/pin.secret), so the database alone does not give the six
 * digits back (a plain sha256 of a million values is reversed at once).
 */
const pinDigest = (ctx: DomainContext, pin: string): string =>
  createHmac('sha256', ctx.pinSecret).update(pin).digest('hex');
/**
 * What an unknown name's password is checked against: a well-formed hash at the real cost that matches nothing, so the
 * answer takes as long as for a known name, without hashing twice.
 */
const UNKNOWN_NAME_HASH = `scrypt$${2 ** 17}$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;
const later = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_BYTES, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  } as typeof SCRYPT);
  return timingSafeEqual(actual, expected);
}

export async function addTechnician(
  ctx: DomainContext,
  input: { name: string; password: string },
): Promise<Technician> {
  const createdAt = ctx.now();
  await ctx.db.technicians.insert({ name: input.name, passwordHash: await hashPassword(input.password), createdAt });
  return { name: input.name, createdAt };
}

export async function listTechnicians(ctx: DomainContext): Promise<{ technicians: Technician[] }> {
  return { technicians: (await ctx.db.technicians.list()).map(({ name, createdAt }) => ({ name, createdAt })) };
}

/** The account goes, and with it its PC sessions (the database) and its dashboard sessions (ctx.onTechnicianGone). */
export async function deleteTechnician(ctx: DomainContext, name: string): Promise<void> {
  if (!(await ctx.db.technicians.remove(name))) throw new BrumeError('TECH_NOT_FOUND', `no technician named ${name}`);
  ctx.onTechnicianGone?.(name);
}

/** `brume tech pin revoke`: the PIN (or every PIN) stops working, and the PC sessions it opened end at once. */
export async function revokePins(ctx: DomainContext, which: PinRevoke): Promise<PinRevoked> {
  return ctx.db.technicians.revokePins('pin' in which ? pinDigest(ctx, which.pin) : null);
}

/** A new 6-digit PIN, never one that is live already (two PINs with the same digits would share their uses). */
export async function createPin(ctx: DomainContext, input: { ttlMinutes: number; uses: number }): Promise<PinCreated> {
  const now = ctx.now();
  for (;;) {
    const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (await ctx.db.technicians.pinIsLive(pinDigest(ctx, pin), now)) continue;
    const expiresAt = later(now, input.ttlMinutes * 60_000);
    await ctx.db.technicians.addPin(pinDigest(ctx, pin), now, expiresAt, input.uses);
    return { pin, expiresAt, uses: input.uses };
  }
}

/** Whether a name and password match an account: hashed even for an unknown name, within the guard's bound on hashes. */
async function accountMatching(ctx: DomainContext, name: string, password: string): Promise<string | undefined> {
  const record = await ctx.db.technicians.byName(name);
  const matches = await ctx.loginGuard.hashing(() =>
    passwordMatches(password, record?.passwordHash ?? UNKNOWN_NAME_HASH),
  );
  return record !== undefined && matches ? record.name : undefined;
}

/**
 * A PIN or a name and password typed at a PC becomes a session token (`bk_…`) for the agent's technician routes. A
 * refusal says nothing about why (wrong, expired, used up, no such name); the attempt is counted by the login guard
 * (per source address, per account, and the server-wide PIN ceiling) before anything is checked.
 */
export async function techLogin(ctx: DomainContext, login: TechLogin, source: string): Promise<TechSession> {
  const now = ctx.now();
  const attempt = ctx.loginGuard.attempt(
    'pin' in login ? { source, pin: true } : { source, account: login.name },
    Date.parse(now),
  );
  let technician: string | undefined;
  let pinId: number | undefined;
  if ('pin' in login) {
    pinId = await ctx.db.technicians.usePin(pinDigest(ctx, login.pin), now);
    if (pinId !== undefined) technician = 'pin';
  } else {
    technician = await accountMatching(ctx, login.name, login.password);
  }
  if (technician === undefined)
    throw new BrumeError('TECH_LOGIN_FAILED', 'this PIN or name and password is not valid (wrong, expired or used up)');
  attempt.succeeded();
  const token = `bk_${randomBytes(32).toString('base64url')}`;
  const expiresAt = later(now, SESSION_MS);
  await ctx.db.technicians.addSession(sha256(token), technician, expiresAt, now, pinId);
  return { token, expiresAt, technician };
}

/**
 * A technician's name and password checked for the web dashboard as techLogin checks them at a PC (the same login
 * limit, the same answer whatever was wrong), without making a PC session. PINs are for PCs in a room, not here.
 */
export async function checkTechnicianPassword(
  ctx: DomainContext,
  name: string,
  password: string,
  source: string,
): Promise<string> {
  const attempt = ctx.loginGuard.attempt({ source, account: name }, Date.parse(ctx.now()));
  const matched = await accountMatching(ctx, name, password);
  if (matched === undefined) throw new BrumeError('TECH_LOGIN_FAILED', 'this name and password is not valid');
  attempt.succeeded();
  return matched;
}
