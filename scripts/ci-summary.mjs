// Adds up the test counts of every tier .ci/run ran (vitest JSON reports, and the container tier's
// own closing line) and prints one plain closing line: `N passed, N failed`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
for (const name of readdirSync(dir).sort()) {
  const path = join(dir, name);
  if (name.endsWith('.json')) {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    console.log(`${name.replace(/\.json$/, '')}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped/todo`);
    passed += r.numPassedTests;
    failed += r.numFailedTests;
  } else if (name.endsWith('.log')) {
    const m = [...readFileSync(path, 'utf8').matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
    if (m) {
      console.log(`${name.replace(/\.log$/, '')}: ${m[1]} passed, ${m[2]} failed`);
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
