// The layout check `npm run lint` runs (scripts/check-layout.mjs): long files and import cycles in src/.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../scripts/check-layout.mjs', import.meta.url).pathname;

/** A repository root whose src/ holds `files` (path → text). */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pgshift-layout-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, 'src', path)), { recursive: true });
    await writeFile(join(root, 'src', path), text);
  }
  return root;
}

function check(root: string) {
  const r = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const lines = (n: number) => 'export const x = 1;\n'.repeat(n);

describe('check-layout', () => {
  it('passes a tree of short files without cycles', async () => {
    const r = check(await tree({ 'a.ts': "import { b } from './room/b.js';\nexport const a = b;\n", 'room/b.ts': lines(350) }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('lines (over');
    expect(r.stderr).not.toContain('import cycle');
  });

  it('fails on a long file and on a cycle, naming every offender', async () => {
    const r = check(
      await tree({
        'long.ts': lines(351),
        'longer.ts': lines(400),
        'a.ts': "import { b } from './room/b.js';\nexport const a = 1;\n",
        'room/b.ts': "import type { C } from './c.js';\nexport const b = 2;\n",
        'room/c.ts': "export { a } from '../a.js';\nexport type C = number;\n",
      }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('src/long.ts: 351 lines (over 350');
    expect(r.stderr).toContain('src/longer.ts: 400 lines (over 350');
    expect(r.stderr).toContain('import cycle: src/a.ts → src/room/b.ts → src/room/c.ts → src/a.ts');
    expect(r.stderr).toContain('layout check failed: 2 file(s) over 350 lines, 1 import cycle(s)');
  });

  it('counts a cycle made only of `import type` (it tangles rooms all the same)', async () => {
    const r = check(await tree({ 'a.ts': "import type { B } from './b.js';\nexport type A = B;\n", 'b.ts': "import type { A } from './a.js';\nexport type B = A | 1;\n" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('import cycle: src/a.ts → src/b.ts → src/a.ts');
  });

  it('follows dynamic imports', async () => {
    const r = check(await tree({ 'a.ts': "export const load = () => import('./b.js');\n", 'b.ts': "import { load } from './a.js';\nexport const b = load;\n" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('import cycle: src/a.ts → src/b.ts → src/a.ts');
  });
});
