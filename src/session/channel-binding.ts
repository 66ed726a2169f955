// libpq's channel_binding=require. pg does the binding itself (enableChannelBinding: SCRAM-SHA-256-PLUS
// whenever the server offers it over TLS) but, like libpq's prefer, logs in without it otherwise. So
// the login is watched from the connection's own protocol events, which arrive before pg answers
// them: a login that would not be bound ends before any password (or proof of one) is sent.
import type { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import type pg from 'pg';
import { socketOf } from './client.js';
import { CHANNEL_BINDING_REFUSED } from './failure.js';

/** Call before the client connects, when channel_binding=require. */
export function requireChannelBinding(client: pg.Client): void {
  const connection = (client as unknown as { connection: EventEmitter }).connection;
  let bound = false;
  const refuse = (why: string) => {
    const err = new Error(`channel_binding=require, but ${why}: use TLS (sslmode=require or stronger) and scram-sha-256 in pg_hba.conf, or drop channel_binding=require`);
    socketOf(client).destroy(Object.assign(err, { code: CHANNEL_BINDING_REFUSED }));
  };
  connection.on('authenticationSASL', (msg: { mechanisms: string[] }) => {
    if ((socketOf(client) as TLSSocket).encrypted !== true) refuse('the connection does not use TLS');
    else if (!msg.mechanisms.includes('SCRAM-SHA-256-PLUS')) refuse('the server did not offer SCRAM-SHA-256-PLUS');
  });
  // By now pg has chosen (and sent) its mechanism; the login counts as bound only if it was the -PLUS one.
  connection.on('authenticationSASLContinue', () => {
    bound = (client as unknown as { saslSession?: { mechanism?: string } }).saslSession?.mechanism === 'SCRAM-SHA-256-PLUS';
  });
  for (const event of ['authenticationMD5Password', 'authenticationCleartextPassword']) {
    connection.on(event, () => refuse('the server asks for a password without SCRAM (md5 or password in pg_hba.conf); the password was not sent'));
  }
  connection.once('authenticationOk', () => {
    if (!bound) refuse('the server logged us in without channel binding (e.g. trust or cert in pg_hba.conf)');
  });
}
