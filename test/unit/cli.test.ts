import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli.js';

const _ = (argv: string, expected: object) => () => expect(parseCli(argv ? argv.split(' ') : [])).toEqual({ format: 'human', strict: false, ...expected });
const bad = (argv: string, message: string) => () => expect(() => parseCli(argv.split(' '))).toThrow(message);

describe('parseCli', () => {
  it('no arguments is up', _('', { command: 'up' }));
  it('up', _('up', { command: 'up' }));
  it('--list is status', _('--list', { command: 'status' }));
  it('status --json', _('status --json', { command: 'status', format: 'json' }));
  it('--dry-run is plan', _('--dry-run', { command: 'plan' }));
  it('plan --strict', _('plan --strict', { command: 'plan', strict: true }));
  it('--strict alone is up', _('--strict', { command: 'up', strict: true }));
  it('create NAME', _('create add_users', { command: 'create', name: 'add_users' }));
  it('baseline --to', _('baseline --to 0003_x.sql', { command: 'baseline', to: '0003_x.sql' }));
  it('--help wins', _('up --help', { command: 'help' }));
  it('-v', _('-v', { command: 'version' }));
  it('status --list is status', _('status --list', { command: 'status' }));
  it('unknown flag', bad('--nope', "Unknown option '--nope'"));
  it('unknown command with a guess', bad('stauts', 'unknown command "stauts"; did you mean `pgshift status`?'));
  it('unknown command without a guess', bad('migrate-all-the-things', 'unknown command "migrate-all-the-things"; see `pgshift --help`'));
  it('two commands', bad('up --list', 'choose one of: up, --list'));
  it('create without NAME', bad('create', 'create needs one NAME'));
  it('extra argument', bad('status x', 'unexpected argument "x"'));
  it('--to without baseline', bad('up --to x', '--to goes with `baseline`'));
});

describe('--docker', () => {
  it('alone', _('--docker', { command: 'up', docker: '' }));
  it('with a name', _('--docker kb-postgres-1 --list', { command: 'status', docker: 'kb-postgres-1' }));
  it('before a command', _('--docker status', { command: 'status', docker: '' }));
  it('with =', _('plan --docker=db', { command: 'plan', docker: 'db' }));
});
