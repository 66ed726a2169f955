// src/pg-crypto.ts stands in for pg's WebCrypto helpers in the bundle: same inputs, same bytes out.
// Compared with pg's own module (node_modules/pg/lib/crypto/utils.js) wherever WebCrypto has the
// algorithm, and with published test vectors where Node's WebCrypto does not (SHA-224, SHA-512/t).
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as ours from '../../src/pg-crypto.js';

const theirs = createRequire(import.meta.url)('pg/lib/crypto/utils.js') as typeof ours & { hashByName(name: string, data: Uint8Array): Promise<ArrayBuffer> };

const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');

describe('the same results as pg WebCrypto helpers', () => {
  it.each([
    ['ascii', 'secret', 4096],
    ['non-ASCII (after saslprep)', 'pässwörd-🔑', 4096],
    ['one iteration', 'x', 1],
    ['many iterations', 'long-password-'.repeat(20), 20_000],
  ])('deriveKey: SCRAM SaltedPassword, %s', async (_, password, iterations) => {
    const salt = randomBytes(16);
    expect(hex(await ours.deriveKey(password, salt, iterations))).toBe(hex(await theirs.deriveKey(password, salt, iterations)));
  });

  it('hmacSha256 with a key from either (ArrayBuffer from WebCrypto, Buffer from ours), and sha256', async () => {
    const key = await theirs.deriveKey('pw', randomBytes(16), 4096);
    const message = 'n=,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef';
    expect(hex(await ours.hmacSha256(key, message))).toBe(hex(await theirs.hmacSha256(key, message)));
    const ourKey = await ours.deriveKey('pw', randomBytes(16), 4096);
    expect(hex(await ours.hmacSha256(ourKey, 'Client Key'))).toBe(hex(await theirs.hmacSha256(new Uint8Array(ourKey).buffer, 'Client Key')));
    const data = randomBytes(57);
    expect(hex(await ours.sha256(data))).toBe(hex(await theirs.sha256(data)));
    // A view into a larger buffer hashes only its own bytes.
    const big = randomBytes(100);
    expect(hex(await ours.sha256(big.subarray(10, 42)))).toBe(hex(await theirs.sha256(big.subarray(10, 42))));
  });

  it.each(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'])('hashByName %s (channel binding: the certificate signature hash)', async (name) => {
    const cert = randomBytes(700);
    expect(hex(await ours.hashByName(name, cert))).toBe(hex(await theirs.hashByName(name, cert)));
  });

  it.each([
    ['SHA-224', '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'],
    ['SHA512-224', '4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa'],
    ['SHA512-256', '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23'],
  ])('hashByName %s, which Node WebCrypto lacks: the FIPS 180-4 vector for "abc"', async (name, digest) => {
    expect(hex(await ours.hashByName(name, Buffer.from('abc')))).toBe(digest);
  });

  it('an unknown hash name is an error, not a wrong digest', async () => {
    await expect(ours.hashByName('MD2', Buffer.from('abc'))).rejects.toThrow('unsupported hash MD2');
  });

  it('md5 and the MD5 password message', async () => {
    expect(await ours.md5('abc')).toBe(await theirs.md5('abc'));
    const salt = randomBytes(4);
    expect(await ours.postgresMd5PasswordHash('app', 'pässword', salt)).toBe(await theirs.postgresMd5PasswordHash('app', 'pässword', salt));
  });

  it('randomBytes: the requested length, different each time', () => {
    const a = ours.randomBytes(18);
    expect(a).toHaveLength(18);
    expect(hex(a)).not.toBe(hex(ours.randomBytes(18)));
  });
});
