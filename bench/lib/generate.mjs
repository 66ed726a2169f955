// N realistic migrations, the kind a product accumulates: tables with foreign keys, indexes, plpgsql
// functions and triggers, views, comments, column changes and seed rows. The same SQL bodies are
// written in each tool's own file layout (name pattern, headers), so every tool runs identical SQL.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const KINDS = ['table', 'index', 'function', 'trigger', 'seed', 'alter', 'view'];

/** The SQL of migration `i` (1-based). Each file stands on earlier ones only: tables are t_<k>. */
export function migrationSql(i) {
  const kind = i <= 2 ? 'table' : KINDS[i % KINDS.length];
  const t = `t_${i}`;
  const prev = `t_${lastTableBefore(i)}`;
  switch (kind) {
    case 'table':
      return `-- ${i}: a table with its constraints, indexes and a comment
CREATE TABLE ${t} (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status      text NOT NULL DEFAULT 'active',
    amount      numeric(12, 2) NOT NULL DEFAULT 0,
    attributes  jsonb NOT NULL DEFAULT jsonb_build_object('v', 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()${i > 1 ? `,\n    parent_id   bigint REFERENCES ${prev} (id) ON DELETE SET NULL` : ''}
);
CREATE INDEX ${t}_account_idx ON ${t} (account_id, created_at DESC);
CREATE UNIQUE INDEX ${t}_name_key ON ${t} (account_id, lower(name));
CREATE INDEX ${t}_active_idx ON ${t} (status) WHERE status <> 'archived';
COMMENT ON TABLE ${t} IS 'Entity ${i}; rows belong to one account.';
COMMENT ON COLUMN ${t}.attributes IS 'Free-form attributes; keys are documented in the API reference.';
`;
    case 'index':
      return `-- ${i}: indexes for new query patterns
CREATE INDEX ${prev}_created_${i}_idx ON ${prev} (created_at);
CREATE INDEX ${prev}_attrs_${i}_idx ON ${prev} USING gin (attributes jsonb_path_ops);
ANALYZE ${prev};
`;
    case 'function':
      return `-- ${i}: a plpgsql function used by the application
CREATE OR REPLACE FUNCTION total_${i}(p_account bigint, p_since timestamptz DEFAULT now() - interval '30 days')
RETURNS numeric
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    result numeric := 0;
    r record;
BEGIN
    FOR r IN SELECT amount, status FROM ${prev} WHERE account_id = p_account AND created_at >= p_since LOOP
        IF r.status = 'active' THEN
            result := result + r.amount;
        ELSIF r.status = 'refunded' THEN
            result := result - r.amount;
        END IF;
    END LOOP;
    RETURN result; -- a ; inside the body must not split the statement
END;
$fn$;
COMMENT ON FUNCTION total_${i}(bigint, timestamptz) IS 'Sum of active amounts; refunds subtract.';
`;
    case 'trigger':
      return `-- ${i}: keep updated_at current
CREATE OR REPLACE FUNCTION touch_${i}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    IF NEW.name IS DISTINCT FROM OLD.name THEN
        RAISE DEBUG 'renamed % -> %', OLD.name, NEW.name;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ${prev}_touch_${i} BEFORE UPDATE ON ${prev}
    FOR EACH ROW EXECUTE FUNCTION touch_${i}();
`;
    case 'seed':
      return `-- ${i}: reference data
INSERT INTO ${prev} (account_id, name, status, amount) VALUES
    (1, 'seed ${i} alpha', 'active', 10.50),
    (1, 'seed ${i} beta', 'active', 20.00),
    (2, 'seed ${i} gamma', 'archived', 0),
    (2, 'it''s seed ${i}', 'refunded', 5.25);
INSERT INTO ${prev} (account_id, name, amount)
SELECT 100 + g, 'generated ' || g || ' of ${i}', g * 1.5 FROM generate_series(1, 25) AS g;
UPDATE ${prev} SET attributes = attributes || jsonb_build_object('seeded_by', ${i}) WHERE account_id = 1;
`;
    case 'alter':
      return `-- ${i}: a new column, backfilled, then constrained
ALTER TABLE ${prev} ADD COLUMN note_${i} text;
UPDATE ${prev} SET note_${i} = 'n/a' WHERE note_${i} IS NULL;
ALTER TABLE ${prev} ALTER COLUMN note_${i} SET DEFAULT 'n/a';
ALTER TABLE ${prev} ALTER COLUMN note_${i} SET NOT NULL;
`;
    case 'view':
      return `/* ${i}: a reporting view */
CREATE OR REPLACE VIEW report_${i} AS
SELECT account_id, count(*) AS entries, sum(amount) AS total, max(created_at) AS last_seen
  FROM ${prev}
 WHERE status <> 'archived'
 GROUP BY account_id;
GRANT SELECT ON report_${i} TO PUBLIC;
`;
  }
  throw new Error(`unknown kind ${kind}`);
}

function lastTableBefore(i) {
  for (let k = i - 1; k >= 1; k--) if (k <= 2 || KINDS[k % KINDS.length] === 'table') return k;
  return 1;
}

const pad = (i) => String(i).padStart(5, '0');
const slug = (i) => `${i <= 2 ? 'table' : KINDS[i % KINDS.length]}_${i}`;

/** Each tool's layout of the same N bodies. Returns the directories (and extra files) per tool. */
export const LAYOUTS = {
  /** pgshift and psql: NNNNN_name.sql, plain SQL. */
  plain: (i, sql) => [`${pad(i)}_${slug(i)}.sql`, sql],
  /** dbmate: a `-- migrate:up` section (each file in its own transaction, dbmate's default). */
  dbmate: (i, sql) => [`${pad(i)}_${slug(i)}.sql`, `-- migrate:up\n${sql}\n-- migrate:down\n`],
  /** node-pg-migrate: a .sql file is its up migration as it stands (index-based numeric prefix). */
  nodePgMigrate: (i, sql) => [`${pad(i)}_${slug(i)}.sql`, sql],
  /** postgrator: <version>.do.<name>.sql */
  postgrator: (i, sql) => [`${pad(i)}.do.${slug(i)}.sql`, sql],
};

/**
 * Writes N migrations for every tool under a fresh temp dir:
 * { root, plain, dbmate, nodePgMigrate, postgrator, graphile (cwd with .gmrc), names (plain names) }.
 */
export async function generate(n, { layouts = [...Object.keys(LAYOUTS), 'graphile'] } = {}) {
  const root = await mkdtemp(join(tmpdir(), `pgshift-bench-${n}-`));
  const dirs = {};
  const chosen = Object.entries(LAYOUTS).filter(([layout]) => layouts.includes(layout) || layout === 'plain');
  for (const [layout] of chosen) {
    dirs[layout] = join(root, layout);
    await mkdir(dirs[layout]);
  }
  const graphileCwd = join(root, 'graphile');
  const committed = join(graphileCwd, 'migrations', 'committed');
  await mkdir(committed, { recursive: true });
  await writeFile(join(graphileCwd, '.gmrc'), JSON.stringify({ migrationsFolder: './migrations' }));
  const names = [];
  let previousHash = null;
  for (let i = 1; i <= n; i++) {
    const sql = migrationSql(i);
    for (const [layout, make] of chosen) {
      const [name, text] = make(i, sql);
      if (layout === 'plain') names.push(name);
      await writeFile(join(dirs[layout], name), text);
    }
    if (layouts.includes('graphile')) previousHash = await writeGraphile(committed, i, sql, previousHash);
  }
  return { root, ...dirs, graphile: graphileCwd, names };
}

/** graphile-migrate's committed format: headers chaining each file to the previous one by hash. */
async function writeGraphile(dir, i, sql, previousHash) {
  const body = `${sql.trim()}\n`;
  const hash = `sha1:${createHash('sha1').update(`${(previousHash ?? '') + '\n' + body.trim()}`.trim() + '\n').digest('hex')}`;
  const text = `--! Previous: ${previousHash ?? '-'}\n--! Hash: ${hash}\n\n${body}`;
  await writeFile(join(dir, `${String(i).padStart(6, '0')}-${slug(i)}.sql`), text);
  return hash;
}

/**
 * One large data migration of about `bytes` bytes: a table and multi-row INSERTs (100 rows each, as
 * `pg_dump --rows-per-insert=100` writes them). Returns { root, plain, names, rows, bytes }.
 */
export async function generateLarge(bytes) {
  const root = await mkdtemp(join(tmpdir(), 'pgshift-bench-large-'));
  const plain = join(root, 'plain');
  await mkdir(plain);
  const parts = ['CREATE TABLE big_seed (id integer PRIMARY KEY, name text NOT NULL, note text, amount numeric(10, 2), created date);\n'];
  let size = parts[0].length;
  let rows = 0;
  while (size < bytes) {
    const values = [];
    for (let k = 0; k < 100; k++) {
      rows++;
      values.push(`    (${rows}, 'customer ${rows}', 'imported from the legacy system; it''s row ${rows}', ${(rows % 1000) / 4}, '2025-01-${String((rows % 28) + 1).padStart(2, '0')}')`);
    }
    const stmt = `INSERT INTO big_seed (id, name, note, amount, created) VALUES\n${values.join(',\n')};\n`;
    parts.push(stmt);
    size += stmt.length;
  }
  const name = '00001_big_seed.sql';
  await writeFile(join(plain, name), parts.join(''));
  return { root, plain, names: [name], rows, bytes: size };
}
