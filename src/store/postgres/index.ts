/** The networked store: PostgreSQL through a pg Pool. Does not migrate; call store.migrate(). */
import pg from 'pg';
import { toStoreError } from '../sql/errors.ts';
import { SqlStore } from '../sql/store.ts';
import { PostgresDriver } from './driver.ts';

export interface PostgresStoreOptions {
  url: string;
  /** A schema (lowercase identifier) to keep every table in: created when missing, the search_path of every pooled connection. */
  schema?: string;
  /** Pool size (default 10). */
  maxConnections?: number;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function openPostgresStore({ url, schema, maxConnections = 10 }: PostgresStoreOptions): Promise<SqlStore> {
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    } catch (err) {
      // Two processes creating the same schema at once: the loser sees a unique violation; the schema exists.
      if ((err as { code?: string }).code !== '23505' && (err as { code?: string }).code !== '42P06') throw toStoreError(err, 'postgres');
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    // Set at connection start-up, so no query on a pooled connection can run before it.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return new SqlStore(new PostgresDriver(pool));
}
