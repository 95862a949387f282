import { z } from 'zod';
import { GroupName, HostName, ImageName, Mac, TaskCreated } from './api.ts';

/**
 * Multicast deploys: the server sends each file of an image once, with Debian's udp-sender, to every PC of a
 * session; each PC's agent verifies every chunk on arrival and fetches what it missed or what failed over HTTP.
 */

/** udpcast's rate syntax: bits per second with an optional k or m (Debian's udp-sender refuses g: "Unit g unsupported"). */
const Bitrate = z.string().regex(/^[1-9][0-9]*[km]?$/, 'a bitrate such as 600m (bits per second, k or m)');
/**
 * udpcast's FEC syntax: interleave x redundancy / stripe size. A redundancy over 128 makes udp-sender abort mid-session
 * (an assertion in fec.c), so it is refused here, as is a stripe size over 128.
 */
const Fec = z
  .string()
  .regex(
    /^[1-9][0-9]{0,2}x[1-9][0-9]{0,2}(\/[1-9][0-9]{0,2})?$/,
    'FEC as interleave x redundancy/stripesize, such as 8x8/128',
  )
  .refine(
    (fec) =>
      fec
        .split(/[x/]/)
        .slice(1)
        .every((part) => Number(part) <= 128),
    'FEC redundancy and stripe size are at most 128',
  );

export const MulticastSettings = z.object({
  /** Receivers the first file waits for (default: every host of the session). */
  minReceivers: z.number().int().min(1).max(1000),
  /** How long a file waits for them before it starts with those present. */
  maxWaitSeconds: z.number().int().min(1).max(3600),
  /** A cap on the sending rate: a gigabit room's switch keeps some room for the rest (udp-sender --max-bitrate). */
  maxBitrate: Bitrate.nullable(),
  /** Forward error correction (udp-sender --fec); null: none, loss is repaired by retransmission alone. */
  fec: Fec.nullable(),
  /** The server's network interface that sends (default: the one holding its listen address). */
  interface: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'a network interface name')
    .nullable(),
  /** udpcast's UDP port pair (portbase and portbase+1); distinct per session, so sessions never cross. */
  portbase: z.number().int().min(1024).max(65534),
});
export type MulticastSettings = z.infer<typeof MulticastSettings>;

export const DEFAULT_MULTICAST = { maxWaitSeconds: 60, maxBitrate: '800m', fec: null } as const;

export const MulticastStart = z
  .object({
    image: ImageName,
    hosts: z.array(HostName).min(1).max(1000).optional(),
    group: GroupName.optional(),
    minReceivers: z.number().int().min(1).max(1000).optional(),
    maxWaitSeconds: z.number().int().min(1).max(3600).optional(),
    maxBitrate: Bitrate.nullable().optional(),
    fec: Fec.nullable().optional(),
    interface: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'a network interface name')
      .optional(),
    /** Chosen by the server unless given (a test crossing two sessions on purpose gives one). */
    portbase: z
      .number()
      .int()
      .min(1024)
      .max(65534)
      .refine((port) => port % 2 === 0, 'an even port')
      .optional(),
  })
  .superRefine((start, context) => {
    if ((start.hosts === undefined) === (start.group === undefined))
      context.addIssue({ code: 'custom', path: ['hosts'], message: 'name the hosts or a group (one of the two)' });
  });
export type MulticastStart = z.input<typeof MulticastStart>;

export const MulticastState = z.enum(['waiting', 'sending', 'done', 'failed', 'cancelled']);
export type MulticastState = z.infer<typeof MulticastState>;

export const MulticastFile = z.object({
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  /** waiting: udp-sender runs and waits for receivers (a PC may still join); sending: the transfer has begun. */
  state: z.enum(['pending', 'waiting', 'sending', 'sent', 'failed']),
  /** How many receivers udp-sender started this file with (null until it started). */
  receivers: z.number().int().nonnegative().nullable(),
  seconds: z.number().nonnegative().nullable(),
});
export type MulticastFile = z.infer<typeof MulticastFile>;

export const MulticastReceiver = z.object({
  host: HostName,
  taskId: z.number().int().positive(),
  /** The deploy task's state, and its last phase message ("receiving d1p2.pc.zst …"). */
  taskState: z.string(),
  phase: z.string().nullable(),
});

export const MulticastSession = z.object({
  id: z.number().int().positive(),
  image: ImageName,
  state: MulticastState,
  settings: MulticastSettings,
  files: z.array(MulticastFile),
  receivers: z.array(MulticastReceiver),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  error: z.string().nullable(),
});
export type MulticastSession = z.infer<typeof MulticastSession>;
export const MulticastList = z.object({ sessions: z.array(MulticastSession) });
export type MulticastList = z.infer<typeof MulticastList>;

/** `POST /multicast`: the session and, per host, its deploy task and one-time token. */
export const MulticastStarted = z.object({ session: MulticastSession, tasks: z.array(TaskCreated) });
export type MulticastStarted = z.infer<typeof MulticastStarted>;

/** `POST /agent/multicast/:id/join` (a technician's session, at a PC's menu): this PC, by its MACs, joins the session. */
export const MulticastPcJoin = z.object({ macs: z.array(Mac).min(1).max(64) });

/** `GET /agent/tasks/:id/multicast` (the token of a deploy task of that session): what its receiver needs. */
export const MulticastJoin = z.object({
  session: z.number().int().positive(),
  image: ImageName,
  state: MulticastState,
  portbase: z.number().int(),
  /** The files sent, in order: a partition's file the agent restores is received when its turn comes. */
  files: z.array(z.string()),
  /**
   * Files a receiver can no longer join (their transfer began or ended: udpcast takes no late joiners): a PC that
   * comes late or restarted takes these over HTTP at once, rather than join the stream of a later file.
   */
  closed: z.array(z.string()),
  /** How long a receiver waits for a file's sender before it fetches the file over HTTP instead. */
  fileTimeoutSeconds: z.number().int().positive(),
});
export type MulticastJoin = z.infer<typeof MulticastJoin>;

// ── the stream header ─────────────────────────────────────────────────────────────────────────────────────────────
/**
 * Each multicast stream starts with this block: a receiver that joined another session's stream, or another file of
 * its own (a PC rebooted mid-session: fogproject #1742), knows it before a byte reaches its disk.
 */
export const STREAM_HEADER_BYTES = 4096;
const STREAM_MAGIC = 'BRUME-MULTICAST/1\n';

export const StreamHeader = z.object({
  session: z.number().int().positive(),
  image: ImageName,
  file: z.string().min(1).max(128),
  bytes: z.number().int().nonnegative(),
});
export type StreamHeader = z.infer<typeof StreamHeader>;

export function encodeStreamHeader(header: StreamHeader): Uint8Array {
  const text = `${STREAM_MAGIC}${JSON.stringify(StreamHeader.parse(header))}\n`;
  const block = new Uint8Array(STREAM_HEADER_BYTES);
  block.set(new TextEncoder().encode(text));
  return block;
}

/** The header of a stream, or why these bytes are not one (another program's stream, garbage, a cut). */
export function parseStreamHeader(
  block: Uint8Array,
): { ok: true; header: StreamHeader } | { ok: false; reason: string } {
  if (block.byteLength < STREAM_HEADER_BYTES)
    return { ok: false, reason: `the stream ended after ${block.byteLength} bytes, inside its header` };
  const text = new TextDecoder().decode(block.subarray(0, STREAM_HEADER_BYTES));
  if (!text.startsWith(STREAM_MAGIC)) return { ok: false, reason: 'not a Brume multicast stream (no header)' };
  const line = text.slice(STREAM_MAGIC.length, text.indexOf('\n', STREAM_MAGIC.length));
  try {
    const parsed = StreamHeader.safeParse(JSON.parse(line));
    return parsed.success
      ? { ok: true, header: parsed.data }
      : { ok: false, reason: `a malformed header: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  } catch {
    return { ok: false, reason: 'a malformed header (not JSON)' };
  }
}
