import { join } from 'node:path';
import { partitionTargetOfFile } from '@brume/protocol';
import type { Runner } from '../sys/exec.ts';
import { interfaceToward } from '../sys/route.ts';
import { startUdpReceiver } from '../sys/udp-receiver.ts';
import type { FileReceiver } from './multicast-source.ts';

/** Once a stream has started, this much silence means the sender stopped or dropped this PC. */
const RECEIVE_TIMEOUT_SECONDS = 30;

/**
 * The FileReceiver of a task: udp-receiver on the NIC that reaches the server, its messages beside the task's logs
 * (multicast-d1p2.log, shipped with them), the session's own wait as its start timeout.
 */
export function udpFileReceiver(run: Runner, server: string, logDir: string, signal?: AbortSignal): FileReceiver {
  let nic: Promise<string | null> | undefined;
  return async (session, file) => {
    nic ??= interfaceToward(run, new URL(server).hostname);
    return startUdpReceiver({
      portbase: session.portbase,
      interface: await nic,
      startTimeoutSeconds: session.fileTimeoutSeconds,
      receiveTimeoutSeconds: RECEIVE_TIMEOUT_SECONDS,
      logFile: join(logDir, `multicast-${partitionTargetOfFile(file) ?? file}.log`),
      signal,
    });
  };
}
