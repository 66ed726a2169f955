import { describe, expect, it } from 'vitest';
import { helpText } from '../../src/cli/help.js';
import { parseCli, suggest } from '../../src/cli/parse.js';

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
  it('--help wins, and names the command it is about', _('up --help', { command: 'help', topic: 'up' }));
  it('--help alone is the global help', _('--help', { command: 'help' }));
  it('help COMMAND (#11.4)', _('help up', { command: 'help', topic: 'up' }));
  it('help with an alias', _('help list', { command: 'help', topic: 'status' }));
  it('--list --help is the help of status', _('--list --help', { command: 'help', topic: 'status' }));
  it('help of an unknown command', bad('help nope', 'unknown command "nope"'));
  it('up --to VERSION (#12.4)', _('up --to 20251018', { command: 'up', to: '20251018' }));
  it('--to alone is up', _('--to 0002', { command: 'up', to: '0002' }));
  it('--dry-run --to', _('--dry-run --to 0002', { command: 'plan', to: '0002' }));
  it('status --exit-code (#12.4)', _('status --exit-code', { command: 'status', exitCode: true }));
  it('--list --exit-code', _('--list --exit-code', { command: 'status', exitCode: true }));
  it('repair FILE (#12.4)', _('repair 0003_x.sql', { command: 'repair', file: '0003_x.sql' }));
  it('repair --dry-run is not plan (#12.4)', _('repair --dry-run', { command: 'repair', dryRun: true }));
  it('repair FILE --dry-run', _('repair 0003_x.sql --dry-run', { command: 'repair', file: '0003_x.sql', dryRun: true }));
  it('repair takes one FILE', bad('repair a.sql b.sql', 'unexpected argument "b.sql"; `repair` takes at most one FILE'));
  it('--exit-code only with status', bad('up --exit-code', '--exit-code goes with `status` (or `--list`)'));
  it('--dry-run with another command', bad('validate --dry-run', 'choose one of: validate, --dry-run'));
  it('-v', _('-v', { command: 'version' }));
  it('status --list is status', _('status --list', { command: 'status' }));
  it('unknown flag', bad('--nope', "Unknown option '--nope'"));
  it('a mistyped flag gets the closest one', bad('--lsit', "Unknown option '--lsit'; did you mean `--list`?"));
  it('a mistyped flag: --exitcode', bad('status --exitcode', 'did you mean `--exit-code`?'));
  it('unknown command with a guess', bad('stauts', 'unknown command "stauts"; did you mean `pgshift status`?'));
  it('unknown command without a guess', bad('migrate-all-the-things', 'unknown command "migrate-all-the-things"; see `pgshift --help`'));
  it('two commands', bad('up --list', 'choose one of: up, --list'));
  it('create without NAME', bad('create', 'create needs one NAME'));
  it('extra argument', bad('status x', 'unexpected argument "x"'));
  it('--to with a command that takes none', bad('status --to x', '--to goes with `up` (apply up to VERSION), `--dry-run`/`plan`, or `baseline`'));
  it('unknown command: list suggests the flag form and status (#11.4)', bad('list', 'unknown command "list"; did you mean `pgshift --list` (or `pgshift status`)?'));
  it('unknown command: a swap of two letters is one edit', bad('lsit', 'did you mean `pgshift --list` (or `pgshift status`)?'));
  it('unknown command: another tool\'s name', bad('migrate', 'did you mean `pgshift up`?'));
});

describe('suggest', () => {
  it.each([
    ['lsit', '`pgshift --list` (or `pgshift status`)'],
    ['--list', '`pgshift --list` (or `pgshift status`)'],
    ['dry-run', '`pgshift --dry-run` (or `pgshift plan`)'],
    ['dryrun', '`pgshift --dry-run` (or `pgshift plan`)'],
    ['stauts', '`pgshift status`'],
    ['wiat', '`pgshift wait`'],
    ['reapir', '`pgshift repair`'],
    ['info', '`pgshift --list` (or `pgshift status`)'],
    ['new', '`pgshift create`'],
    ['goto', '`pgshift up --to VERSION`'],
    ['xyz', undefined],
  ])('%s → %s', (word, expected) => expect(suggest(word)).toBe(expected));
});

describe('help', () => {
  const commands = ['up', 'status', 'plan', 'validate', 'create', 'baseline', 'repair', 'wait', 'await'] as const;
  it.each(commands)('%s has its own usage, environment, exit codes and an example (#11.4)', (c) => {
    const text = helpText('1.0.0', c);
    expect(text).toContain(`pgshift ${c} — see also`);
    for (const part of ['Usage: pgshift', 'Exit codes:', 'Example:']) expect(text).toContain(part);
    expect(text).toContain(c === 'create' ? 'MIGRATIONS_DIR' : 'DATABASE_URL');
    expect(text).not.toBe(helpText('1.0.0'));
  });
  it('each page is different', () => expect(new Set(commands.map((c) => helpText('1', c))).size).toBe(commands.length));
  it('up documents --to, status --exit-code, repair FILE and --dry-run', () => {
    expect(helpText('1', 'up')).toContain('--to VERSION');
    expect(helpText('1', 'status')).toContain('7 when files are only pending');
    expect(helpText('1', 'repair')).toContain('--dry-run           say what would change; write nothing');
  });
});

describe('--docker', () => {
  it('alone', _('--docker', { command: 'up', docker: '' }));
  it('with a name', _('--docker kb-postgres-1 --list', { command: 'status', docker: 'kb-postgres-1' }));
  it('before a command', _('--docker status', { command: 'status', docker: '' }));
  it('with =', _('plan --docker=db', { command: 'plan', docker: 'db' }));
});
