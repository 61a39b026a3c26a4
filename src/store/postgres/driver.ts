/**
 * SqlDriver over a pg Pool. `?` placeholders are rewritten to `$1..$n` (once per SQL text); a transaction takes
 * a dedicated client from the pool. BIGINT columns come back as strings, which the repositories expect.
 */
import pg from 'pg';
import { normalizeParams, type QueryOptions, type Row, type SqlDriver, type SqlValue } from '../sql/driver.ts';
import { toStoreError } from '../sql/errors.ts';

const rewritten = new Map<string, string>();

/** `?` → `$n`. The repositories never put a `?` inside a string literal, so a plain scan is enough. */
export function toPg(sql: string): string {
  let out = rewritten.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (rewritten.size > 5000) rewritten.clear();
    rewritten.set(sql, out);
  }
  return out;
}

type Queryable = pg.Pool | pg.PoolClient;

async function query(target: Queryable, sql: string, params: readonly SqlValue[], opts?: QueryOptions): Promise<pg.QueryResult> {
  try {
    return await target.query(toPg(sql), normalizeParams(params));
  } catch (err) {
    throw toStoreError(err, 'postgres', opts);
  }
}

class PgTxDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  constructor(readonly client: pg.PoolClient) {}
  async all(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return (await query(this.client, sql, params, opts)).rows as Row[];
  }
  async get(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return (await query(this.client, sql, params, opts)).rows[0] as Row | undefined;
  }
  async run(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return { changes: (await query(this.client, sql, params, opts)).rowCount ?? 0 };
  }
  async exec(sql: string) {
    try {
      await this.client.query(sql);
    } catch (err) {
      throw toStoreError(err, 'postgres');
    }
  }
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close() {
    throw new Error('close() inside a transaction');
  }
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  constructor(readonly pool: pg.Pool) {
    // An idle client losing its connection emits 'error' on the pool; without a listener that kills the process.
    pool.on('error', () => undefined);
  }

  async all(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return (await query(this.pool, sql, params, opts)).rows as Row[];
  }
  async get(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return (await query(this.pool, sql, params, opts)).rows[0] as Row | undefined;
  }
  async run(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions) {
    return { changes: (await query(this.pool, sql, params, opts)).rowCount ?? 0 };
  }
  async exec(sql: string) {
    try {
      await this.pool.query(sql);
    } catch (err) {
      throw toStoreError(err, 'postgres');
    }
  }

  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toStoreError(err, 'postgres');
    }
    // pg emits 'error' on a checked-out client whose connection ends (a server restart, a terminated backend), and
    // pg-pool listens only while the client is idle: unheard, that event would kill the process. The statement
    // running, or the next one, fails on its own; the client is then dropped instead of going back to the pool.
    let broken = false;
    const onConnectionError = () => {
      broken = true;
    };
    client.on('error', onConnectionError);
    try {
      await client.query('BEGIN');
      const result = await fn(new PgTxDriver(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is gone; do not return it to the pool
      }
      throw toStoreError(err, 'postgres');
    } finally {
      client.removeListener('error', onConnectionError);
      client.release(broken);
    }
  }

  #ended = false;

  async close(): Promise<void> {
    if (this.#ended) return; // pg throws on a second end()
    this.#ended = true;
    await this.pool.end();
  }
}
