// Starts the suite's shared PostgreSQL server unless TEST_DATABASE_URL points at an external one.
import type { TestProject } from 'vitest/node';
import { startServer, type TestServer } from './server.js';

let server: TestServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    server = await startServer();
    url = server.url;
  }
  project.provide('adminUrl', url);
  return async () => {
    await server?.destroy();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}
