import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { BrumeError, type PinCreated, type TechLogin, type TechSession, type Technician } from '@brume/protocol';
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

export async function deleteTechnician(ctx: DomainContext, name: string): Promise<void> {
  if (!(await ctx.db.technicians.remove(name))) throw new BrumeError('TECH_NOT_FOUND', `no technician named ${name}`);
}

/** A new 6-digit PIN, never one that is live already (two PINs with the same digits would share their uses). */
export async function createPin(ctx: DomainContext, input: { ttlMinutes: number; uses: number }): Promise<PinCreated> {
  const now = ctx.now();
  for (;;) {
    const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
    if (await ctx.db.technicians.pinIsLive(sha256(pin), now)) continue;
    const expiresAt = later(now, input.ttlMinutes * 60_000);
    await ctx.db.technicians.addPin(sha256(pin), now, expiresAt, input.uses);
    return { pin, expiresAt, uses: input.uses };
  }
}

/**
 * A PIN or a name and password typed at a PC becomes a session token (`bk_…`) for the agent's technician routes. A
 * refusal says nothing about why (wrong, expired, used up, no such name) and counts toward the server's login limit.
 */
export async function techLogin(ctx: DomainContext, login: TechLogin): Promise<TechSession> {
  const now = ctx.now();
  ctx.loginGuard.check(Date.parse(now));
  let technician: string | undefined;
  if ('pin' in login) {
    if (await ctx.db.technicians.usePin(sha256(login.pin), now)) technician = 'pin';
  } else {
    const record = await ctx.db.technicians.byName(login.name);
    // Hashed even for an unknown name, so the answer takes as long either way.
    const matches = await passwordMatches(login.password, record?.passwordHash ?? (await hashPassword('')));
    if (record !== undefined && matches) technician = record.name;
  }
  if (technician === undefined) {
    ctx.loginGuard.failed(Date.parse(now));
    throw new BrumeError('TECH_LOGIN_FAILED', 'this PIN or name and password is not valid (wrong, expired or used up)');
  }
  const token = `bk_${randomBytes(32).toString('base64url')}`;
  const expiresAt = later(now, SESSION_MS);
  await ctx.db.technicians.addSession(sha256(token), technician, expiresAt, now);
  return { token, expiresAt, technician };
}

/**
 * A technician's name and password checked for the web dashboard as techLogin checks them at a PC (the same login
 * limit, the same answer whatever was wrong), without making a PC session. PINs are for PCs in a room, not here.
 */
export async function checkTechnicianPassword(ctx: DomainContext, name: string, password: string): Promise<string> {
  const now = Date.parse(ctx.now());
  ctx.loginGuard.check(now);
  const record = await ctx.db.technicians.byName(name);
  const matches = await passwordMatches(password, record?.passwordHash ?? (await hashPassword('')));
  if (record !== undefined && matches) return record.name;
  ctx.loginGuard.failed(now);
  throw new BrumeError('TECH_LOGIN_FAILED', 'this name and password is not valid');
}
