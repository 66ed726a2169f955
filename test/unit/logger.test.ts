// Errors in JSON logs (11.2): the message and what identifies the failure, never pino's
// `"type":"Object","stack":""` noise.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { serializeError } from '../../src/output/logger.js';

const pgError = Object.assign(new Error('duplicate key value violates unique constraint "t_pkey"'), { severity: 'ERROR', code: '23505', detail: 'Key (id)=(1) already exists.', hint: undefined, where: 'SQL statement "INSERT INTO t VALUES (1)"' });

describe('serializeError', () => {
  it.each<[string, unknown, unknown]>([
    ['a plain { message }', { message: 'x failed' }, { message: 'x failed' }],
    ['a pgshift error', new ConfigError(['A: bad']), { message: 'invalid configuration:\n  - A: bad', code: 'CONFIG' }],
    ['a system error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), { message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' }],
    ['a PostgreSQL error', pgError, { message: pgError.message, sqlstate: '23505', detail: 'Key (id)=(1) already exists.', context: 'SQL statement "INSERT INTO t VALUES (1)"' }],
    ['a string', 'boom', { message: 'boom' }],
    ['nothing', undefined, undefined],
  ])('%s', (_label, input, output) => expect(serializeError(input)).toEqual(output));
});
