// The exit codes an orchestrator acts on (README "Exit codes"), apart from the error classes so that
// results can name them without importing errors.ts, which imports the results.

export const EXIT = {
  ok: 0,
  migrationFailed: 1,
  usage: 2,
  config: 3,
  unreachable: 4,
  lockTimeout: 5,
  validation: 6,
  /** `status --exit-code`: files are pending, nothing is wrong. */
  pending: 7,
  internal: 70,
  sighup: 129,
  sigint: 130,
  sigterm: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
