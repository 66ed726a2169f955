// pg's login hashing (SCRAM-SHA-256, MD5, channel binding) on node:crypto instead of WebCrypto.
//
// The bundle swaps this module in for pg/lib/crypto/utils.js (scripts/build.mjs, pgCryptoOnNode):
// pg's own copy reads `crypto.webcrypto` when it loads, and WebCrypto's first uses (importKey with
// its algorithm normalisation, deriveBits) cost main-thread time on every run, about as much as the
// login itself (docs/PERFORMANCE.md, "What changed" 11). The functions keep pg's names and
// signatures (the build fails when pg's list changes); results are Buffers where pg's are
// ArrayBuffers, and pg only ever wraps them in Buffer.from(). PBKDF2 runs on libuv's thread pool,
// as WebCrypto's does, so a server configured with many SCRAM iterations does not stall the event loop.
import { createHash, createHmac, pbkdf2, randomBytes as nodeRandomBytes, type BinaryLike } from 'node:crypto';

type Bytes = ArrayBuffer | ArrayBufferView;

/** A view of the same memory (pg passes ArrayBuffers from its own earlier results, and Buffers). */
function bytes(data: Bytes): BinaryLike {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function randomBytes(length: number): Buffer {
  return nodeRandomBytes(length);
}

export async function md5(text: string | Bytes): Promise<string> {
  return createHash('md5')
    .update(typeof text === 'string' ? text : bytes(text))
    .digest('hex');
}

/** AuthenticationMD5Password: 'md5' + md5(md5(password + user) + salt). */
export async function postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string> {
  const inner = await md5(password + user);
  return 'md5' + (await md5(Buffer.concat([Buffer.from(inner), salt])));
}

export async function sha256(data: Bytes): Promise<Buffer> {
  return createHash('sha256').update(bytes(data)).digest();
}

/** `name` is a WebCrypto name (SHA-256, SHA512-224, …) from pg's certificate-signature table. */
export async function hashByName(name: string, data: Bytes): Promise<Buffer> {
  return createHash(nodeHashName(name)).update(bytes(data)).digest();
}

export function nodeHashName(name: string): string {
  const m = /^SHA(512)?-?(\d+)$/i.exec(name);
  if (!m) throw new Error(`unsupported hash ${name}`);
  return m[1] ? `sha512-${m[2]}` : m[2] === '1' ? 'sha1' : `sha${m[2]}`;
}

export async function hmacSha256(key: Bytes, message: string): Promise<Buffer> {
  return createHmac('sha256', bytes(key)).update(message).digest();
}

/** SCRAM's SaltedPassword: PBKDF2-HMAC-SHA-256, 32 bytes, on the thread pool. */
export function deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key)));
  });
}
