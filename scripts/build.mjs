// Bundles src/main.ts into one ESM file, dist/pgshift.mjs: the file npm's `bin` and the image run.
// Runtime dependencies are bundled in, so neither the image nor `npx` needs a node_modules folder.
//
// Start-up is on every pod's critical path (docs/PERFORMANCE.md), so the bundle is built for it:
// - pg's runtime sniffing is replaced by its Node.js branch (see nodeOnlyPgStream below);
// - Node's built-in modules are loaded with require(), not import (see builtinsByRequire below);
// - whitespace and syntax are minified (less to read and pre-parse), identifiers are kept so that
//   stack traces in "internal error" reports stay readable.
import { build } from 'esbuild';
import { readFile, chmod } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * pg/lib/stream.js decides at load time whether it runs in a Cloudflare Worker. On Node 20, which
 * has no `navigator`, it finds out by constructing a `Response`, and that loads undici (Node's
 * fetch): about a third of pgshift's start-up, for a question whose answer is always "no" here.
 * The bundle targets Node only, so the Node branch is chosen at build time. If pg changes that
 * file, the build fails here rather than silently shipping the slow path (or a broken one).
 */
const nodeOnlyPgStream = {
  name: 'pg-stream-node-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const sniff = ['function getStreamFuncs() {', '  if (isCloudflareRuntime()) {', '    return getCloudflareStreamFuncs()', '  }', '  return getNodejsStreamFuncs()', '}'].join('\n');
      if (!source.includes(sniff)) throw new Error(`${args.path}: getStreamFuncs() changed; review scripts/build.mjs nodeOnlyPgStream`);
      return { contents: source.replace(sniff, 'function getStreamFuncs() {\n  return getNodejsStreamFuncs()\n}'), loader: 'js' };
    });
  },
};

/**
 * `import { readFileSync } from 'node:fs'` makes Node build an ES module facade of the built-in, and
 * that reads every export once — fs.promises, fs.ReadStream and the like are lazy getters that then
 * load the stream machinery, webcrypto, … at start-up for nothing (~5 ms of a no-op run). The bundle
 * has a CommonJS `require` (see the banner), so our own imports of built-ins become require() calls:
 * esbuild's interop reads a property only when the code uses it. Dependencies already use require().
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-by-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

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
  plugins: [nodeOnlyPgStream, builtinsByRequire],
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __pgshiftCreateRequire } from 'node:module';",
      'const require = __pgshiftCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
await chmod('dist/pgshift.mjs', 0o755);
