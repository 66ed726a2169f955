// The logger the library hands its events to. Its own room, without pino's types, so that the
// library's declarations need nothing but themselves.

/** pino's logger fits, and so does anything with these methods taking (fields, message). */
export interface LogTarget {
  error(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  debug?(fields: object, message?: string): void;
}
