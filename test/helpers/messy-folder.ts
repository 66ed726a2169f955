// The messy real-world folder: wrappers, CONCURRENTLY, enum values, dollar quotes, SETs, CRLF, a BOM,
// no final semicolon — as projects write them. Applied by pgshift in test/integration/files.test.ts and
// compared with psql file by file in test/system/psql-reference.test.ts.
export const crlf = (s: string) => s.replace(/\n/g, '\r\n');

export function messyFolder(serverVersion: number): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {
    '20250101000100_schema.sql': `-- Types and tables; the last statement has no semicolon.
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'active');
CREATE TABLE app.accounts (
    id        bigserial PRIMARY KEY,
    "Display; Name" text NOT NULL DEFAULT 'it''s ; fine',   -- a quoted identifier with ; and a quote
    note      text DEFAULT E'tab\\there \\'quoted\\' ;',
    status    app.status NOT NULL DEFAULT 'new',
    /* a block /* nested ; comment */ still comment ' */
    created   timestamptz NOT NULL DEFAULT now()
)
`,
    '20250101000200_functions.sql': `CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created := now();   -- ; inside the body
  RETURN NEW;
END;
$$;

CREATE FUNCTION app.describe(a app.accounts) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  q text := $q$ it's a "quote" ; $q$;
BEGIN
  RETURN a."Display; Name" || q;
END;
$fn$;

CREATE TRIGGER accounts_touch BEFORE UPDATE ON app.accounts FOR EACH ROW EXECUTE FUNCTION app.touch();

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader_nologin') THEN
    EXECUTE 'SELECT 1';
  END IF;
END
$$;
`,
    // Written on Windows with the earlier system's template: BOM, CRLF, BEGIN … COMMIT.
    '20250101000300_wrapped.sql': Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(crlf(`BEGIN;\nALTER TABLE app.accounts ADD COLUMN email text;\nCREATE UNIQUE INDEX accounts_email_uq ON app.accounts (lower(email));\nCOMMIT;\n`)),
    ]),
    '20250101000400_index_concurrently.sql': `CREATE INDEX CONCURRENTLY accounts_created_idx ON app.accounts (created);\n`,
    '20250101000500_enum_value.sql': `ALTER TYPE app.status ADD VALUE 'closed';\nINSERT INTO app.accounts ("Display; Name", status) VALUES ('closer', 'closed');\n`,
    '20250101000600_settings.sql': `SET search_path = app;\nSET timezone = 'Asia/Tokyo';\nSET lock_timeout = '1s';\nCREATE TABLE in_app (id int);\n`,
    '20250101000700_after_settings.sql': `CREATE TABLE public.leak_check AS SELECT current_setting('search_path') AS sp, current_setting('lock_timeout') AS lt;\n`,
    '20250101000800_two_blocks.sql': `BEGIN;\nCREATE TABLE app.block_one (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE app.block_two (id int);\nCOMMIT;\n`,
    '20250101000900_mixed_concurrently.sql': `CREATE TABLE app.events (id bigint, at timestamptz);\nCREATE INDEX CONCURRENTLY events_at_idx ON app.events (at);\n`,
    '20250101001000_view_and_rule.sql': `CREATE VIEW app.active AS SELECT id, "Display; Name" FROM app.accounts WHERE status = 'active';\nCREATE TABLE app.audit (n int);\nCREATE RULE r AS ON INSERT TO app.audit DO ALSO (NOTIFY audit; NOTIFY audit2);\n`,
  };
  if (serverVersion >= 140000) {
    files['20250101001100_begin_atomic.sql'] = `CREATE FUNCTION app.add(a int, b int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + b;\nEND;\n`;
  }
  return files;
}
