// Cancelling the statement a session is running, from outside it (SIGTERM during a long file).
import { connect as netConnect } from 'node:net';
import type { ConnectionSettings } from '../config/types.js';
import type { Session } from './session.js';
import { addressOf } from './target.js';

/** The protocol's CancelRequest code (1234 in the high 16 bits, 5678 in the low). */
const CANCEL_REQUEST_CODE = 80877102;
/** A CancelRequest that cannot be sent within this is given up: the caller still ends the session. */
const CANCEL_SEND_TIMEOUT_MS = 3000;

/**
 * Asks the server to cancel the statement running on `session` (the protocol's CancelRequest on a
 * separate connection: no login needed). Resolves once the request is sent or failed to send.
 */
export function cancelRunningQuery(session: Session, c: ConnectionSettings): Promise<void> {
  const { processID, secretKey } = session.client as unknown as { processID: number; secretKey: number };
  return new Promise((resolve) => {
    const socket = c.host.startsWith('/') ? netConnect(addressOf(c)) : netConnect(c.port, c.host);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(CANCEL_SEND_TIMEOUT_MS, done);
    socket.on('error', done);
    socket.on('connect', () => {
      const msg = Buffer.alloc(16);
      msg.writeInt32BE(16, 0);
      msg.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      msg.writeInt32BE(processID, 8);
      msg.writeInt32BE(secretKey, 12);
      socket.end(msg);
    });
    socket.on('close', done);
  });
}
