import { describe, expect, it } from 'vitest';
import { SenderLog, udpSenderArgs } from './udpcast-sender.ts';

const settings = {
  minReceivers: 3,
  maxWaitSeconds: 60,
  maxBitrate: '800m',
  fec: null,
  interface: null,
  portbase: 9004,
};

describe('udp-sender', () => {
  it('gets the session settings as flags, and never reads the keyboard', () => {
    expect(udpSenderArgs({ session: 300, settings, interface: 'br0', minReceivers: 2 })).toEqual([
      '--nokbd',
      '--portbase',
      '9004',
      '--min-receivers',
      '2',
      '--max-wait',
      '60',
      '--start-timeout',
      '90',
      '--retries-until-drop',
      '30',
      '--nopointopoint',
      '--max-bitrate',
      '800m',
      '--interface',
      'br0',
      '--mcast-data-address',
      '239.255.1.44',
    ]);
    expect(
      udpSenderArgs({
        session: 7,
        settings: { ...settings, maxBitrate: null, fec: '8x8/128' },
        interface: null,
        minReceivers: 1,
      }),
    ).toEqual([
      '--nokbd',
      '--portbase',
      '9004',
      '--min-receivers',
      '1',
      '--max-wait',
      '60',
      '--start-timeout',
      '90',
      '--retries-until-drop',
      '30',
      '--nopointopoint',
      '--fec',
      '8x8/128',
      '--mcast-data-address',
      '239.255.0.7',
    ]);
  });

  it("reads Debian's udp-sender as it speaks (captured in a namespace): receivers leaving after the end still count", () => {
    const log = new SenderLog();
    const stderr =
      'Udp-sender 20120424\nUsing full duplex mode\nUsing mcast address 234.79.0.1\nUDP sender for (stdin) at 10.79.0.1 on eth0 \nBroadcasting control to 10.79.0.255\nNew connection from 10.79.0.12  (#0) 00000009\nNew connection from 10.79.0.11  (#1) 00000009\nStarting transfer: 00000009\n\r\nTransfer complete.\u0007\nDisconnecting #0 (10.79.0.12)\nDisconnecting #1 (10.79.0.11)\n\n';
    for (const line of stderr.split(/\r|\n/)) if (line.trim() !== '') log.line(line.trim());
    expect({ participants: log.participants, dropped: log.dropped, complete: log.complete }).toEqual({
      participants: 2,
      dropped: 0,
      complete: true,
    });
  });

  it('reads its messages: connections, the participants it started with, drops, completion', () => {
    const log = new SenderLog();
    for (const line of [
      'Udp-sender 20120424',
      'Using mcast address 232.168.100.1',
      'UDP sender for (stdin) at 192.168.100.1 on br0',
      'New connection from 192.168.100.11  (#0) 00000019',
      'New connection from 192.168.100.12  (#1) 00000019',
      'New connection from 192.168.100.13  (#2) 00000019',
      'Disconnecting #2 (192.168.100.13)',
      'New connection from 192.168.100.13  (#2) 00000019',
      'Starting transfer: file[] pipe[] port[9004] if[br0] participants[3]',
      'Dropping client #1 because of timeout',
      'Transfer complete.',
    ])
      log.line(line);
    expect({
      connected: log.connected,
      participants: log.participants,
      dropped: log.dropped,
      complete: log.complete,
    }).toEqual({ connected: 3, participants: 3, dropped: 1, complete: true });
  });
});
