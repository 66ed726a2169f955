// Bundles src/main.ts into one ESM file, dist/pgshift.mjs: the file npm's `bin` and the image run.
// Runtime dependencies are bundled in, so neither the image nor `npx` needs a node_modules folder.
//
// Start-up is on every pod's critical path (docs/PERFORMANCE.md), so the bundle is built for it:
// - pg's runtime sniffing is replaced by its Node.js branch, and what pino and sonic-boom load for
//   features pgshift does not use is loaded on first use (see EDITS below);
// - pg logs in with node:crypto rather than WebCrypto (see pgCryptoOnNode below);
// - Node's built-in modules are loaded with require(), not import (see builtinsByRequire below);
// - whitespace and syntax are minified (less to read and pre-parse), identifiers are kept so that
//   stack traces in "internal error" reports stay readable.
import { build } from 'esbuild';
import { readFile, readdir, chmod, copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * Edits to dependencies' sources, each one line of text → another. If a dependency changes so that
 * a line is no longer there, the build fails here rather than silently shipping the slow path (or a
 * broken one); the edited packages are pinned exactly in package.json (sonic-boom through
 * `overrides`) so that only a deliberate upgrade can move them. Each is what the dependency would do
 * anyway on this path, or later; each has an upstream patch described in docs/PERFORMANCE.md
 * ("Build-time edits"), where what each one saves is measured; test/integration/no-op.test.ts
 * asserts the modules they keep from loading stay unloaded.
 *
 * - pg/lib/stream.js decides at load time whether it runs in a Cloudflare Worker. On Node 20, which
 *   has no `navigator`, it finds out by constructing a `Response`, and that loads undici (Node's
 *   fetch). The bundle targets Node only, so the Node branch is chosen at build time. (Node ≥ 21
 *   answers from `navigator` at once: this edit pays on Node 20 only, the oldest runtime `engines`
 *   accepts and what `npx` may run on.)
 * - p-retry reads its monotonic clock through the global `performance`, whose first use loads
 *   node:perf_hooks; process.hrtime is the same clock without it.
 * - pino loads its transport machinery (thread-stream, node:worker_threads) and sonic-boom loads
 *   node:assert when they load, for code that pgshift never runs (it logs with a synchronous
 *   destination, no transport) or runs only when closing a destination with an error. They are
 *   required on first use instead (esbuild keeps a bundled module unevaluated until then).
 */
const EDITS = [
  {
    file: /[\\/]pg[\\/]lib[\\/]stream\.js$/,
    edits: [
      [
        ['function getStreamFuncs() {', '  if (isCloudflareRuntime()) {', '    return getCloudflareStreamFuncs()', '  }', '  return getNodejsStreamFuncs()', '}'].join('\n'),
        'function getStreamFuncs() {\n  return getNodejsStreamFuncs()\n}',
      ],
    ],
  },
  {
    file: /[\\/]pino[\\/]lib[\\/]tools\.js$/,
    edits: [
      ["const { isMainThread } = require('worker_threads')\n", ''],
      ['if (!opts.sync && isMainThread) {', "if (!opts.sync && require('worker_threads').isMainThread) {"],
      ["const transport = require('./transport')", "const transport = (options) => require('./transport')(options)"],
    ],
  },
  {
    file: /[\\/]pino[\\/]pino\.js$/,
    edits: [["module.exports.transport = require('./lib/transport')", "Object.defineProperty(module.exports, 'transport', { enumerable: true, get: () => require('./lib/transport') })"]],
  },
  {
    file: /[\\/]p-retry[\\/]index\.js$/,
    edits: [
      ['return max - (performance.now() - start);', 'return max - (Number(process.hrtime.bigint()) / 1e6 - start);'],
      ['const startTime = performance.now();', 'const startTime = Number(process.hrtime.bigint()) / 1e6;'],
    ],
  },
  {
    file: /[\\/]sonic-boom[\\/]index\.js$/,
    edits: [["const assert = require('assert')", "const assert = (value, message) => require('assert')(value, message)"]],
  },
];

const dependencyEdits = {
  name: 'dependency-edits',
  setup(b) {
    for (const { file, edits } of EDITS) {
      b.onLoad({ filter: file }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (source.split(from).length !== 2) throw new Error(`${args.path}: expected exactly one ${JSON.stringify(from)}; review scripts/build.mjs EDITS`);
          source = source.replace(from, to);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};

/**
 * `import { readFileSync } from 'node:fs'` makes Node build an ES module facade of the built-in, and
 * that reads every export once — fs.promises, fs.ReadStream and the like are lazy getters that then
 * load the stream machinery, webcrypto, … at start-up for nothing. The bundle
 * has a CommonJS `require` (see the banner), so our own imports of built-ins become require() calls.
 * Not through esbuild's CommonJS interop either: its __toESM copies every property descriptor of the
 * module, and on Node 24 reading a descriptor of node:util loads what its lazy properties stand for. Each built-in becomes a small ES module that reads only the names src/ imports from it
 * (found below; a name missing from the list fails the build with esbuild's "No matching export").
 * Dependencies already use require().
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  async setup(b) {
    const names = await namedBuiltinImports();
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-by-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({
      contents: [`const m = require(${JSON.stringify(args.path)});`, 'export default m;', ...[...(names.get(args.path) ?? [])].map((n) => `export const ${n} = m.${n};`)].join('\n'),
      loader: 'js',
    }));
  },
};

/** node:module → the value names every .ts file under src/ imports from it (`import { a, b as c, type T } from 'node:module'`). */
async function namedBuiltinImports() {
  const found = new Map();
  const dir = new URL('../src/', import.meta.url);
  for (const file of await readdir(dir, { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    const source = await readFile(new URL(file, dir), 'utf8');
    // A namespace import would see only the names found here (esbuild merely warns about the rest).
    const namespace = /^import\s*\*\s*as\s+\w+\s+from\s*'(node:[^']+)'/m.exec(source);
    if (namespace) throw new Error(`src/${file}: import * from '${namespace[1]}'; import the names it uses instead (scripts/build.mjs builtinsByRequire)`);
    for (const [, list, from] of source.matchAll(/^import\s*\{([^}]*)\}\s*from\s*'(node:[^']+)'/gm)) {
      const set = found.get(from) ?? new Set();
      for (const item of list.split(',').map((s) => s.trim())) {
        if (item && !item.startsWith('type ')) set.add(item.split(/\s+as\s+/)[0]);
      }
      found.set(from, set);
    }
  }
  return found;
}

/**
 * pg/lib/crypto/utils.js logs in with WebCrypto; src/pg-crypto.ts does the same on node:crypto
 * (why: see that file). Its exported names must be exactly pg's, or the build fails here.
 */
const pgCryptoOnNode = {
  name: 'pg-crypto-on-node',
  setup(b) {
    const ours = new URL('../src/pg-crypto.ts', import.meta.url);
    b.onResolve({ filter: /^\.\/(crypto\/)?utils$/ }, async (args) => {
      const target = join(dirname(args.importer), `${args.path}.js`);
      if (!/[\\/]pg[\\/]lib[\\/]crypto[\\/]utils\.js$/.test(target)) return undefined;
      const theirs = /module\.exports\s*=\s*\{([^}]*)\}/.exec(await readFile(target, 'utf8'));
      if (!theirs) throw new Error(`${target} no longer has one module.exports = { … }; review scripts/build.mjs pgCryptoOnNode`);
      const mine = [...(await readFile(ours, 'utf8')).matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);
      const missing = theirs[1].split(',').map((n) => n.trim()).filter((n) => n && !mine.includes(n));
      if (missing.length) throw new Error(`${target} exports ${missing.join(', ')}, which src/pg-crypto.ts lacks; review scripts/build.mjs pgCryptoOnNode`);
      return { path: fileURLToPath(ours) };
    });
  },
};

/**
 * `pgshift lint` parses with libpg-query (PostgreSQL's parser as WebAssembly, ~1.7 MB plus ~60 KB of
 * glue): far more than a no-op run may load or even compile. It is bundled on its own into
 * dist/pgshift-parser.mjs, with its .wasm beside it (the glue finds it next to itself), and the main
 * bundle import()s that file only when lint runs (src/lint/parse.ts). The image ships dist/ whole.
 */
const PARSER_FILE = 'pgshift-parser.mjs';
const parserApart = {
  name: 'parser-apart',
  setup(b) {
    b.onResolve({ filter: /^libpg-query$/ }, (args) => {
      if (args.kind !== 'dynamic-import') throw new Error(`${args.importer}: libpg-query must be loaded with import(), only by lint (scripts/build.mjs parserApart)`);
      return { path: `./${PARSER_FILE}`, external: true };
    });
  },
};

await build({
  entryPoints: ['node_modules/libpg-query/wasm/index.js'],
  outfile: `dist/${PARSER_FILE}`,
  // Loaded once per lint run: smaller to read matters more than names in stack traces.
  minify: true,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The emscripten glue is CommonJS at heart: it requires node:fs and node:crypto and finds its .wasm
  // through __dirname, none of which an ES module has.
  banner: {
    js: [
      "import { createRequire as pgshiftCreateRequire } from 'node:module';",
      "import { fileURLToPath as pgshiftFileURLToPath } from 'node:url';",
      'const require = pgshiftCreateRequire(import.meta.url);',
      'const __filename = pgshiftFileURLToPath(import.meta.url);',
      "const __dirname = __filename.replace(/[\\\\/][^\\\\/]*$/, '');",
    ].join('\n'),
  },
  logLevel: 'warning',
});
await copyFile('node_modules/libpg-query/wasm/libpg-query.wasm', 'dist/libpg-query.wasm');

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/pgshift.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: false,
  keepNames: false,
  legalComments: 'none',
  sourcemap: false,
  define: { PGSHIFT_VERSION: JSON.stringify(pkg.version) },
  // pg optionally requires pg-native; it is never installed.
  external: ['pg-native'],
  plugins: [dependencyEdits, pgCryptoOnNode, builtinsByRequire, parserApart],
  // The bundle's `require` loads built-ins only (everything else is bundled; pg-native is never
  // installed). process.getBuiltinModule (Node ≥ 20.16) does that without loading node:module, whose
  // ES module facade every start would pay for; older Node 20 releases use createRequire.
  banner: {
    js: [
      '#!/usr/bin/env node',
      'const require = globalThis.process.getBuiltinModule',
      '  ? (id) => globalThis.process.getBuiltinModule(id) ?? (() => { throw Object.assign(new Error(`Cannot find module \'${id}\'`), { code: "MODULE_NOT_FOUND" }); })()',
      "  : (await import('node:module')).createRequire(import.meta.url);",
    ].join('\n'),
  },
  logLevel: 'warning',
});
await chmod('dist/pgshift.mjs', 0o755);
