import { createSocket } from 'node:dgram';
import { BrumeError } from '@brume/protocol';

/** The port Wake-on-LAN listeners conventionally watch ("discard"); NICs themselves match the payload on any port. */
export const WAKE_PORT = 9;

/** The magic packet: six 0xFF bytes, then the MAC sixteen times (AMD's Magic Packet format, 102 bytes). */
export function magicPacket(mac: string): Buffer {
  const hex = mac.toLowerCase().replaceAll(/[:-]/g, '');
  if (!/^[0-9a-f]{12}$/.test(hex)) throw new BrumeError('BAD_REQUEST', `not a MAC address: ${mac}`);
  const address = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => address)]);
}

const toNumber = (address: string): number => address.split('.').reduce((value, part) => value * 256 + Number(part), 0);
const toAddress = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/**
 * The broadcast address of an IPv4 address's subnet, from its prefix length (10.81.0.11/24 → 10.81.0.255). null for
 * /31 and /32, which have no broadcast address to reach neighbours by.
 */
export function subnetBroadcast(cidr: string): string | null {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (match === null) return null;
  const prefix = Number(match[2]);
  if (prefix > 30) return null;
  const hostBits = 2 ** (32 - prefix);
  return toAddress(Math.floor(toNumber(match[1] as string) / hostBits) * hostBits + hostBits - 1);
}

/** Sends one datagram; an injected fake in tests that must not put packets on any network. */
export type PacketSender = (packet: Buffer, address: string, port: number) => Promise<void>;

/** A UDP socket with SO_BROADCAST, one datagram, closed: how a subnet's broadcast address is reached from user space. */
export const udpBroadcastSender: PacketSender = (packet, address, port) =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const fail = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', fail);
    socket.bind(0, () => {
      socket.setBroadcast(true);
      socket.send(packet, port, address, (error) => {
        if (error !== null) return fail(error);
        socket.close();
        resolve();
      });
    });
  });
