/** Units of the SQL layer: SQLite transaction serialisation, error mapping, placeholder rewriting, migrations. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConflictError, InvalidInputError, NotFoundError, StoreUnavailableError } from '../../src/store/errors.ts';
import { toStoreError } from '../../src/store/sql/errors.ts';
import { migrate, MIGRATIONS } from '../../src/store/sql/migrations.ts';

/** Every migration's version: what a fresh database applies, each once. */
const ALL_VERSIONS = MIGRATIONS.map((m) => m.version);
import { openStore } from '../../src/store/open.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { channel, idAt, message, user } from '../contract/store.fixtures.ts';
import { toPg } from '../../src/store/postgres/driver.ts';
import { SqliteDriver } from '../../src/store/sqlite/driver.ts';

const dir = mkdtempSync(join(tmpdir(), 'accord-sql-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fields = (e: Error) => [e.name, (e as ConflictError).entity, (e as ConflictError).field];
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SqliteDriver transactions', () => {
  it('serialise: nothing interleaves into an open transaction', async () => {
    const db = new SqliteDriver(':memory:');
    await db.exec('CREATE TABLE t (n INTEGER)');
    const order: string[] = [];
    const tx1 = db.transaction(async (tx) => {
      order.push('tx1 begin');
      await tx.run('INSERT INTO t VALUES (1)');
      await tick();
      await tick();
      order.push('tx1 commit');
    });
    const outside = (async () => {
      await tick();
      await db.run('INSERT INTO t VALUES (2)');
      order.push('outside');
    })();
    const tx2 = db.transaction(async (tx) => {
      order.push('tx2 begin');
      await tx.run('INSERT INTO t VALUES (3)');
    });
    await Promise.all([tx1, outside, tx2]);
    assert.deepEqual(order.slice(0, 2), ['tx1 begin', 'tx1 commit']);
    assert.equal((await db.all('SELECT n FROM t')).length, 3);
    await db.close();
  });

  it('rolls back when the callback throws, and nested transactions join the outer one', async () => {
    const db = new SqliteDriver(':memory:');
    await db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (1)');
        await tx.transaction(async (inner) => inner.run('INSERT INTO t VALUES (2)'));
        await tx.run('INSERT INTO t VALUES (1)'); // unique violation
      }),
      ConflictError,
    );
    assert.deepEqual(await db.all('SELECT n FROM t'), []);
    await db.transaction(async (tx) => tx.run('INSERT INTO t VALUES (5)'));
    assert.equal(Number((await db.get('SELECT count(*) AS c FROM t'))?.c), 1);
    await db.close();
  });

  it('returns 64-bit integers exactly', async () => {
    const db = new SqliteDriver(':memory:');
    const row = await db.get('SELECT ? AS big', [9223372036854775807n]);
    assert.equal(String(row?.big), '9223372036854775807');
    await db.close();
  });

  it('turns use after close into StoreUnavailableError', async () => {
    const db = new SqliteDriver(':memory:');
    await db.close();
    await assert.rejects(db.get('SELECT 1'), StoreUnavailableError);
  });
});

describe('toStoreError', () => {
  it('maps SQLite constraint errors', () => {
    const unique = Object.assign(new Error('UNIQUE constraint failed: users.username_lower'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    assert.deepEqual(fields(toStoreError(unique, 'sqlite')), ['ConflictError', 'user', 'username']);
    const pk = Object.assign(new Error('UNIQUE constraint failed: members.guild_id, members.user_id'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    assert.deepEqual(fields(toStoreError(pk, 'sqlite')), ['ConflictError', 'member', 'user_id']);
    const fk = Object.assign(new Error('FOREIGN KEY constraint failed'), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    const nf = toStoreError(fk, 'sqlite', { fk: 'channel' });
    assert.ok(nf instanceof NotFoundError && nf.entity === 'channel');
    assert.ok(toStoreError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }), 'sqlite') instanceof StoreUnavailableError);
  });

  it('maps PostgreSQL errors by SQLSTATE', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505', table: 'users', detail: 'Key (email_lower)=(a@b.c) already exists.' });
    assert.deepEqual(fields(toStoreError(unique, 'postgres')), ['ConflictError', 'user', 'email']);
    const fk = Object.assign(new Error('fk'), { code: '23503', table: 'members', detail: 'Key (guild_id)=(1) is not present in table "guilds".' });
    const nf = toStoreError(fk, 'postgres');
    assert.ok(nf instanceof NotFoundError && nf.entity === 'guild');
    assert.ok(toStoreError(Object.assign(new Error('out of range'), { code: '22003' }), 'postgres') instanceof InvalidInputError);
    assert.ok(toStoreError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'postgres') instanceof StoreUnavailableError);
  });
});

describe('postgres placeholders', () => {
  it('rewrites ? to $n in order', () => {
    assert.equal(toPg('SELECT * FROM t WHERE a = ? AND b IN (?, ?)'), 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)');
  });
});

describe('migrations', () => {
  it('concurrent migrate() from several processes on one SQLite file applies each migration once', { timeout: 60_000 }, async () => {
    const path = join(dir, 'concurrent.sqlite');
    const script = join(import.meta.dirname, '../helpers/store-migrate.ts');
    const run = () => new Promise<number[]>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script, path], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as number[])));
    });
    const results = await Promise.all([run(), run(), run()]);
    assert.deepEqual(results.flat().sort((a, b) => a - b), ALL_VERSIONS);
  });

  it('applies later migrations on top of earlier ones, recorded in schema_migrations', async () => {
    const db = new SqliteDriver(':memory:');
    const base = [{ version: 1, name: 'one', sqlite: 'CREATE TABLE a (x INTEGER)', postgres: '' }];
    assert.deepEqual(await migrate(db, base), [1]);
    const more = [...base, { version: 2, name: 'two', sqlite: 'ALTER TABLE a ADD COLUMN y TEXT', postgres: '' }];
    assert.deepEqual(await migrate(db, more), [2]);
    assert.deepEqual((await db.all('SELECT version, name FROM schema_migrations ORDER BY version')).map((r) => [Number(r.version), r.name]), [[1, 'one'], [2, 'two']]);
    // A failing migration rolls back whole and is not recorded.
    const broken = [...more, { version: 3, name: 'bad', sqlite: 'CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER)', postgres: '' }];
    await assert.rejects(migrate(db, broken));
    assert.equal(await db.get("SELECT name FROM sqlite_master WHERE name = 'b'"), undefined);
    await db.close();
  });
});

describe('openStore', () => {
  it('opens SQLite in the data folder (creating it) when no postgres URL is given', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await openStore({ dataDir, databaseUrl: 'sqlite:ignored' });
    assert.equal(store.kind, 'sqlite');
    assert.deepEqual(await store.migrate(), ALL_VERSIONS);
    await store.close();
    assert.ok(existsSync(join(dataDir, 'accord.sqlite')));
  });
});

describe('SqlMessageStore.createMany', () => {
  it('stores a batch in multi-row inserts, advances lastMessageId, and is atomic', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.migrate();
    const owner = await store.users.create(user());
    const ch = await store.channels.create(channel(null), [owner.id]);
    const start = Date.now() - 100 * 86_400_000;
    const batch = Array.from({ length: 1000 }, (_, i) => message(ch.id, owner.id, { id: idAt(start + i * 8_640_000, i & 0xfff) }));
    await store.messages.createMany(batch);
    const newest = batch.map((m) => m.id).reverse();
    assert.deepEqual((await store.messages.list(ch.id, { limit: 100 })).map((m) => m.id), newest.slice(0, 100));
    assert.deepEqual((await store.messages.list(ch.id, { before: newest[500], limit: 3 })).map((m) => m.id), newest.slice(501, 504));
    assert.equal((await store.channels.get(ch.id))?.lastMessageId, newest[0]);
    const bad = [message(ch.id, owner.id), message(ch.id, owner.id, { id: batch[0].id })];
    await assert.rejects(store.messages.createMany(bad), ConflictError);
    assert.equal(await store.messages.get(ch.id, bad[0].id), null);
    await store.close();
  });
});
