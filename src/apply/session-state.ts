// Whether a file may leave the session changed for the next one, which decides whether the session
// reset runs after it. The reset (role, settings, temporary tables, prepared statements, cursors,
// LISTEN, sequence state) is server work after every file; most files are DDL that change none of it.

/**
 * Statements known to leave the session as they found it: DDL, privileges, maintenance, transaction
 * control, and SET LOCAL / SET TRANSACTION / SET CONSTRAINTS (over when the transaction ends). A
 * statement's text starts at its first word (the lexer's contract), so anything else at its start —
 * a comment between words included — is not matched and counts as a change.
 */
const KEEPS =
  /^(?:create\s+(?:or\s+replace\s+)?(?:unique\s+)?(?:index|view|function|procedure|trigger|constraint\s+trigger|type|domain|schema|sequence|extension|policy|rule|aggregate|operator|cast|collation|statistics|(?:unlogged\s+)?table)\b|alter|drop|comment\s+on|grant|revoke|analyze|vacuum|reindex|cluster|lock|begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|set\s+(?:local|transaction|constraints))\b/i;

/**
 * What makes even such a statement change the session, found anywhere in its text (a string or
 * comment that holds the word only costs a reset): a temporary object, or a table filled from a
 * query (CREATE TABLE … AS runs it, functions and all).
 */
const TEMPORARY = /\btemp\b|\btemporary\b|pg_temp/i;
const FILLED_TABLE = /^create\s+(?:unlogged\s+)?table\b[\s\S]*\bas\b/i;

/**
 * Whether the statement may change the session: SET, RESET, SET ROLE, PREPARE, DECLARE, LISTEN,
 * DISCARD, LOAD, temporary objects, and anything that runs code by intent (SELECT and DO with their
 * functions, CALL, DML and its triggers) — such code may call set_config(…, false). Code that DDL
 * runs on the way (an index expression, a column default, an event trigger) is assumed not to: a
 * function that changes the session from there would do so under psql as well.
 */
export function mayChangeSession(statement: string): boolean {
  return !KEEPS.test(statement) || TEMPORARY.test(statement) || FILLED_TABLE.test(statement);
}
