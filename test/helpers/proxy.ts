// A small TCP proxy for network faults: counts connections, and can stop forwarding without closing
// anything (no FIN, no RST) — what a hung middlebox or a vanished NAT entry looks like to both ends.
// `blackhole()` is the userspace half; `dropServerSide()` adds the kernel half with iptables, so the
// server's own TCP keepalive probes go unanswered as they would across a real network cut.
// It also reads the client's side of the protocol and keeps the SQL of every query a client sent
// (`statements()`), so a test can count round trips as the server sees them.
import { execFileSync } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxyOptions {
  targetPort: number;
  /** @default '127.0.0.1' */
  targetHost?: string;
  /** Address the proxy listens on (any 127.x.y.z works on Linux). @default '127.0.0.1' */
  listenHost?: string;
  /**
   * Local address for the proxy's connections to the server, so that iptables rules can single
   * them out from the test's own connections (the server's pg_hba must admit it). @default unset
   */
  upstreamAddress?: string;
  /**
   * Never pass the client's half-close (FIN) on and never answer it, as some middleboxes do: the
   * client's socket stays open until the server closes its side. @default false
   */
  swallowHalfClose?: boolean;
}

export interface Pair {
  client: Socket;
  upstream: Socket;
}

export interface TcpProxy {
  readonly port: number;
  readonly host: string;
  /** Connections accepted so far (each a login attempt through the proxy). */
  accepted(): number;
  /**
   * The SQL of every query the clients sent so far, in order: simple queries ('Q') and the extended
   * protocol's Parse ('P'). Readable only on connections without TLS (sslmode=disable).
   */
  statements(): string[];
  /** Pairs open now. */
  pairs(): Pair[];
  /** Stops forwarding on every connection, open and future; new ones are accepted and then ignored. */
  blackhole(): void;
  /** Stops forwarding on the connections open now only; new ones work. */
  freezeOpen(): void;
  /**
   * Forwards client → server at most `bytesPerSecond` (in 16 KiB slices; undefined: full speed
   * again), on open and future connections. Bytes beyond it wait in the proxy, which stops reading
   * from the client so the client's own send buffer fills, as on a slow uplink.
   */
  throttleUpload(bytesPerSecond: number | undefined): void;
  /** Drops, in the kernel, every packet between `upstreamAddress` and the server (needs iptables and root). */
  dropServerSide(): void;
  /** `url` rewritten to go through the proxy. */
  urlFor(url: string): string;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const listenHost = options.listenHost ?? '127.0.0.1';
  const open = new Set<Pair>();
  const frozen = new WeakSet<Pair>();
  let accepted = 0;
  let holeEverything = false;
  const rules: string[][] = [];

  const statements: string[] = [];

  let uploadRate: number | undefined;

  /** Writes `chunk` to `to` no faster than uploadRate allows, pausing `from` meanwhile. */
  const throttled = (from: Socket, to: Socket, pair: Pair, chunk: Buffer) => {
    from.pause();
    const SLICE = 16 * 1024;
    const next = (rest: Buffer) => {
      if (frozen.has(pair)) return; // the rest is swallowed, and the client stays paused
      if (rest.length === 0 || to.destroyed) {
        from.resume();
        return;
      }
      const slice = rest.subarray(0, SLICE);
      to.write(slice);
      const rate = uploadRate;
      if (rate === undefined) to.write(rest.subarray(SLICE), () => next(Buffer.alloc(0)));
      else setTimeout(() => next(rest.subarray(SLICE)), (slice.length / rate) * 1000);
    };
    next(chunk);
  };

  const forward = (from: Socket, to: Socket, pair: Pair, watch?: (chunk: Buffer) => void) => {
    const upload = watch !== undefined;
    from.on('data', (chunk: Buffer) => {
      if (frozen.has(pair)) return; // swallowed: the sender's kernel saw it acknowledged
      watch?.(chunk);
      if (upload && uploadRate !== undefined) throttled(from, to, pair, chunk);
      else to.write(chunk);
    });
    // A frozen pair never passes a close on: the other end must find out by itself.
    from.on('end', () => frozen.has(pair) || (upload && options.swallowHalfClose) || to.end());
    from.on('close', () => frozen.has(pair) || to.destroy());
    from.on('error', () => {});
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: options.swallowHalfClose === true }, (client) => {
    accepted += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (holeEverything) {
      client.pause();
      return;
    }
    const upstream = connect({ host: targetHost, port: options.targetPort, ...(options.upstreamAddress ? { localAddress: options.upstreamAddress } : {}) });
    const pair: Pair = { client, upstream };
    open.add(pair);
    forward(client, upstream, pair, queryReader((sql) => statements.push(sql)));
    forward(upstream, client, pair);
    client.on('close', () => open.delete(pair));
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const freezeOpen = () => {
    for (const pair of open) {
      frozen.add(pair);
      // Stop reading, so the kernel buffers fill and the peers' sends eventually stall, as on a dead path.
      pair.client.pause();
      pair.upstream.pause();
    }
  };

  return {
    port,
    host: listenHost,
    accepted: () => accepted,
    statements: () => [...statements],
    pairs: () => [...open],
    blackhole() {
      holeEverything = true;
      freezeOpen();
    },
    freezeOpen,
    throttleUpload(bytesPerSecond) {
      uploadRate = bytesPerSecond;
    },
    dropServerSide() {
      if (!options.upstreamAddress) throw new Error('dropServerSide needs upstreamAddress');
      const to = ['-s', options.upstreamAddress, '-d', targetHost, '-p', 'tcp', '--dport', String(options.targetPort), '-j', 'DROP'];
      const from = ['-s', targetHost, '-d', options.upstreamAddress, '-p', 'tcp', '--sport', String(options.targetPort), '-j', 'DROP'];
      for (const rule of [to, from]) {
        execFileSync('iptables', ['-I', 'INPUT', ...rule]);
        rules.push(rule);
      }
    },
    urlFor(url: string) {
      const u = new URL(url);
      u.hostname = listenHost;
      u.port = String(port);
      return u.toString();
    },
    async close() {
      for (const rule of rules.splice(0)) {
        try {
          execFileSync('iptables', ['-D', 'INPUT', ...rule]);
        } catch {
          // already gone
        }
      }
      for (const { upstream } of open) upstream.destroy();
      for (const client of sockets) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Splits a client's byte stream into protocol messages and reports the SQL of 'Q' and 'P' messages.
 * The first message (StartupMessage, or SSLRequest and then nothing readable) has no type byte.
 */
function queryReader(onSql: (sql: string) => void): (chunk: Buffer) => void {
  // Chunks are joined only once a whole message is there: a 40 MB query arrives in hundreds of chunks.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let started = false;
  const joined = () => {
    if (chunks.length > 1) chunks = [Buffer.concat(chunks, buffered)];
    return chunks[0] ?? Buffer.alloc(0);
  };
  return (chunk) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      const head = started ? 1 : 0;
      if (buffered < head + 4) return;
      const length = (chunks[0]!.length >= head + 4 ? chunks[0]! : joined()).readInt32BE(head);
      if (buffered < head + length) return;
      const pending = joined();
      const type = started ? String.fromCharCode(pending[0]!) : '';
      const body = pending.subarray(head + 4, head + length);
      if (type === 'Q') onSql(body.toString('utf8', 0, body.indexOf(0)));
      // Parse: statement name (C string), then the query (C string).
      if (type === 'P') {
        const query = body.subarray(body.indexOf(0) + 1);
        onSql(query.toString('utf8', 0, query.indexOf(0)));
      }
      started = true;
      chunks = [pending.subarray(head + length)];
      buffered = chunks[0]!.length;
    }
  };
}

/** Why iptables rules cannot be added here, or undefined when they can (root with CAP_NET_ADMIN). */
export function iptablesUnavailable(): string | undefined {
  try {
    execFileSync('iptables', ['-S', 'INPUT'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `iptables is not usable here (${(err as Error).message.split('\n')[0]}); the server-side half of the network cut needs root with CAP_NET_ADMIN`;
  }
}
