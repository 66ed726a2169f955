// A session that died without a word. The server ends a vanished client's session (and its lock)
// through tcp_keepalives_* and tcp_user_timeout. The client cannot rely on TCP for that: Node sets
// no TCP_KEEPINTVL/TCP_KEEPCNT (Linux's 75 s × 9 apply after the first probe), nor
// TCP_USER_TIMEOUT, and a middlebox that stops forwarding still acknowledges every packet. So a
// watchdog asks the server, on a second short connection, about a reply that is overdue.
import type { Socket } from 'node:net';
import type pg from 'pg';
import type { Logger } from '../logger.js';
import { socketOf, type OpenClient } from './client.js';
import { CONNECTION_DEAD } from './failure.js';
import { probe } from './probe.js';
import type { Session } from './session.js';
import { trackQueries } from './track-queries.js';

/** How often the watchdog looks, and how long a query must have waited before it does. */
const WATCH_EVERY_MS = 10_000;
/** Probes in a row that cannot reach the server before the session is declared dead. */
const UNREACHABLE_LIMIT = 3;

export type StartWatchdog = (session: Session, open: OpenClient, log: Logger) => void;

/**
 * Call before the client connects: from then on its queries are tracked, and the plain TCP socket
 * is kept (TLS puts another stream on top of it at login). The returned function starts watching.
 */
export function prepareWatchdog(client: pg.Client): StartWatchdog {
  const busySince = trackQueries(client);
  const raw = socketOf(client);
  return (session, open, log) => watchSession(session, open, busySince, log, outgoingOf(client, raw));
}

/**
 * Bytes the kernels between us and the server can still hold once our own queue is empty: Linux's
 * default send-buffer limit (tcp_wmem, 4 MB) plus as much again of the server's receive window.
 */
const KERNEL_BUFFER_BYTES = 8 * 1024 * 1024;
/** However slow the trickle was, a path silent this long after our last byte left is dead. */
const MAX_DRAIN_GRACE_MS = 5 * 60_000;

interface Outgoing {
  /** Changes whenever bytes of ours moved on since the last call (call once per look). */
  moved(): boolean;
  /** How long after our last byte left the server may still be receiving the kernels' share. */
  drainGraceMs(): number;
  lastMovedAt(): number;
}

/**
 * What the client still has to send: pg's stream (TLS or plain), and the TCP handle's queue in
 * libuv, which drains as the kernel takes bytes (the peer's acknowledgements make room).
 */
function outgoingOf(client: pg.Client, raw: Socket): Outgoing {
  let last = '';
  let lastQueued = 0;
  let lastAt = Date.now();
  let movedAt = 0;
  let bytesPerMs: number | undefined;
  return {
    moved() {
      const stream = socketOf(client);
      const queued = (raw as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0;
      const now = [stream.writableLength, stream === raw ? 0 : raw.writableLength, queued].join('/');
      const at = Date.now();
      if (queued < lastQueued) bytesPerMs = (lastQueued - queued) / Math.max(1, at - lastAt);
      const moved = now !== last;
      if (moved) movedAt = at;
      [last, lastQueued, lastAt] = [now, queued, at];
      return moved;
    },
    drainGraceMs: () => (bytesPerMs ? Math.min(MAX_DRAIN_GRACE_MS, KERNEL_BUFFER_BYTES / bytesPerMs) : 0),
    lastMovedAt: () => movedAt,
  };
}

function watchSession(session: Session, open: OpenClient, busySince: () => number | undefined, log: Logger, outgoing: Outgoing): void {
  let watched: number | undefined;
  let idleSince: string | undefined;
  let unreachable = 0;
  let probing = false;
  const timer = setInterval(() => {
    const since = busySince();
    if (since !== watched) {
      watched = since;
      idleSince = undefined;
      unreachable = 0;
    }
    // A long query still uploading shows the server idle (it reads the whole message before it
    // starts): while our bytes keep leaving, and for as long as the kernels' buffers can take to
    // drain at the rate seen, the peer is alive, however slow the path.
    const flowing = outgoing.moved() || Date.now() - outgoing.lastMovedAt() < outgoing.drainGraceMs();
    if (since === undefined || Date.now() - since < WATCH_EVERY_MS || probing) return;
    if (flowing) {
      idleSince = undefined;
      log.debug({ event: 'db.watchdog', pid: session.pid, probe: 'sending', waitedMs: Date.now() - since }, 'still sending the query to the server');
      return;
    }
    probing = true;
    const movedAt = outgoing.lastMovedAt();
    void probe(session.pid, open, idleSince, () => busySince() === since && outgoing.lastMovedAt() === movedAt)
      .then((p) => {
        if (busySince() !== since) return; // the reply came meanwhile
        const waitedS = Math.round((Date.now() - since) / 1000);
        idleSince = p.kind === 'waiting' ? p.since : undefined;
        unreachable = p.kind === 'unreachable' ? unreachable + 1 : 0;
        log.debug({ event: 'db.watchdog', pid: session.pid, probe: p.kind, waitedMs: Date.now() - since }, 'waiting for the server');
        if (p.kind === 'gone') declareDead(session, `PostgreSQL no longer has this session (pid ${session.pid}): it was terminated, or the server restarted`, log);
        if (p.kind === 'stalled') declareDead(session, `no reply for ${waitedS}s while the server shows this session (pid ${session.pid}) idle since ${p.since}${movedAt > since ? `, and no byte of the query left this client for ${Math.round((Date.now() - movedAt) / 1000)}s` : ''}: the network dropped the connection without closing it`, log);
        if (p.kind === 'unreachable' && unreachable >= UNREACHABLE_LIMIT) declareDead(session, `no reply for ${waitedS}s and the server cannot be reached (${p.reason})`, log);
      })
      .finally(() => (probing = false));
  }, WATCH_EVERY_MS);
  timer.unref();
  session.client.once('end', () => clearInterval(timer));
}

function declareDead(session: Session, reason: string, log: Logger): void {
  log.error({ event: 'db.connection.dead', pid: session.pid, reason }, 'the database connection is dead; closing it');
  socketOf(session.client).destroy(Object.assign(new Error(`the connection to the database is dead: ${reason}`), { code: CONNECTION_DEAD }));
}
