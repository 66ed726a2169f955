// Bundles src/main.ts into one ESM file, dist/pgshift.mjs: the file npm's `bin` and the image run.
// Runtime dependencies are bundled in, so neither the image nor `npx` needs a node_modules folder.
import { build } from 'esbuild';
import { readFile, chmod } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/pgshift.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: false,
  legalComments: 'none',
  sourcemap: false,
  define: { PGSHIFT_VERSION: JSON.stringify(pkg.version) },
  // pg optionally requires pg-native; it is never installed.
  external: ['pg-native'],
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
