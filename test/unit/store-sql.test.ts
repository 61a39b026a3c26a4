/** Units of the SQL layer: SQLite transaction serialisation, error mapping, placeholder rewriting, migrations. */
import assert from 'node:assert/strict';
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
import { openAtOnce } from '../helpers/sqlite-open-race.ts';
import { toPg } from '../../src/store/postgres/driver.ts';
import { MAX_GROUP, SqliteDriver } from '../../src/store/sqlite/driver.ts';
import Database from 'better-sqlite3';

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

let files = 0;
/** A driver on a new file with a table `t (n)`, and a second connection to it: what another process would see or do. */
async function driverWithOther(opts: { soleProcess?: boolean } = {}) {
  const path = join(dir, `driver-${files++}.db`);
  const db = new SqliteDriver(path, opts);
  await db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
  const other = new Database(path);
  const seen = () => other.prepare('SELECT n FROM t ORDER BY n').all().map((r) => Number((r as { n: number }).n));
  return { db, other, seen, close: async () => { other.close(); await db.close(); } };
}

describe('SqliteDriver group commit', () => {
  const open = driverWithOther;

  it('transactions of one turn commit together, each acknowledged only once another connection can read it', async () => {
    const { db, seen, close } = await open();
    const acknowledged: number[][] = [];
    await Promise.all([1, 2, 3].map((k) => db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', [k])).then(() => acknowledged.push(seen()))));
    // One COMMIT: when the first is acknowledged, all three are already readable elsewhere.
    assert.deepEqual(acknowledged, [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    await close();
  });

  it('a transaction begun in the next event-loop turn joins the group; one begun after the COMMIT opens another', async () => {
    const { db, seen, close } = await open();
    const acknowledged: number[][] = [];
    const ack = (k: number) => db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', [k])).then(() => acknowledged.push(seen()));
    const first = ack(1);
    // The next turn, as a request read meanwhile would arrive.
    await new Promise((r) => setImmediate(r));
    const second = ack(2);
    await Promise.all([first, second]);
    assert.deepEqual(acknowledged, [[1, 2], [1, 2]], 'one COMMIT for both');
    await ack(3);
    assert.deepEqual(acknowledged[2], [1, 2, 3]);
    // Two turns later the group has committed: an idle write waits no longer than that.
    const t = ack(4);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen(), [1, 2, 3, 4]);
    await t;
    await close();
  });

  it('a failing transaction undoes only its own writes; the others of its group commit', async () => {
    const { db, seen, close } = await open();
    const results = await Promise.allSettled([
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)')),
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2)');
        await tx.run('INSERT INTO t VALUES (1)'); // unique violation
      }),
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (3)')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof ConflictError);
    assert.deepEqual(seen(), [1, 3]);
    await close();
  });

  it('a write outside a transaction while a group is open joins it: acknowledged after the COMMIT', async () => {
    const { db, seen, close } = await open();
    const tx = db.transaction((t) => t.run('INSERT INTO t VALUES (1)'));
    await new Promise((r) => queueMicrotask(() => r(undefined)));
    // A read does not wait for the COMMIT: it sees the finished transaction's write, which others cannot yet.
    assert.deepEqual((await db.all('SELECT n FROM t')).map((r) => Number(r.n)), [1]);
    assert.deepEqual(seen(), []);
    const plain = db.run('INSERT INTO t VALUES (2)').then(() => seen());
    assert.deepEqual(await plain, [1, 2]);
    await tx;
    await close();
  });

  it(`a group commits once it holds ${MAX_GROUP} transactions, without waiting for the turn to end`, async () => {
    const { db, seen, close } = await open();
    const firstAcknowledged = new Promise<number>((resolve) => {
      const all = Array.from({ length: MAX_GROUP + 10 }, (_, k) => db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', [k])));
      void all[0]!.then(() => resolve(seen().length));
    });
    // The first group is the first MAX_GROUP transactions; the rest commit in the next.
    assert.equal(await firstAcknowledged, MAX_GROUP);
    await db.close();
    assert.equal(seen().length, MAX_GROUP + 10);
    await close();
  });

  it('if the SQLite transaction itself ends, the finished members of its group fail with it', async () => {
    // Stands for an error after which SQLite rolls the whole transaction back (an I/O error, a full disk).
    const { db, seen, close } = await open();
    const results = await Promise.allSettled([
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)')),
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (2)');
        await tx.exec('ROLLBACK');
        throw new Error('the transaction is gone');
      }),
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (3)')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'fulfilled']);
    assert.ok((results[0] as PromiseRejectedResult).reason instanceof StoreUnavailableError);
    assert.deepEqual(seen(), [3]);
    await close();
  });

  it('a COMMIT that fails fails every member of its group, and none of their writes lands', async () => {
    // A deferred foreign key is checked at COMMIT: a real failing COMMIT (our schema has none; an I/O error would
    // fail it the same way).
    const { db, seen, close } = await open();
    await db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
    await db.exec('CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
    const results = await Promise.allSettled([
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)')),
      db.transaction((tx) => tx.run('INSERT INTO child VALUES (42)')),
      db.transaction((tx) => tx.run('INSERT INTO t VALUES (2)')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.deepEqual(seen(), []);
    // The driver is usable afterwards: the next group commits.
    await db.transaction((tx) => tx.run('INSERT INTO t VALUES (3)'));
    assert.deepEqual(seen(), [3]);
    await close();
  });

  it('close() commits the open group first', async () => {
    const { db, seen, close } = await open();
    const tx = db.transaction((t) => t.run('INSERT INTO t VALUES (7)'));
    await db.close();
    await tx;
    assert.deepEqual(seen(), [7]);
    await close();
  });
});

describe('SqliteDriver reads of one turn, in a process alone on its file', () => {
  /** With rows 1 and 2. The second connection stands for a tool or a process the server does not expect. */
  const open = async (soleProcess = true) => {
    const opened = await driverWithOther({ soleProcess });
    await opened.db.run('INSERT INTO t VALUES (1), (2)');
    return opened;
  };
  const count = async (db: SqliteDriver) => Number((await db.get('SELECT count(*) AS c FROM t'))?.c);
  const nextTurn = () => new Promise((r) => setImmediate(r));

  it('share one snapshot: another process\'s commit is seen from the next turn, and its checkpoint is not held up past it', async () => {
    const { db, other, close } = await open();
    assert.equal(await count(db), 2);
    other.prepare('INSERT INTO t VALUES (3)').run();
    assert.equal(await count(db), 2, 'the same turn reads the same snapshot');
    await nextTurn();
    assert.equal(await count(db), 3);
    await nextTurn();
    // No read lock outlives its turn: the other connection can checkpoint the whole WAL and restart it.
    assert.deepEqual(other.pragma('wal_checkpoint(TRUNCATE)'), [{ busy: 0, log: 0, checkpointed: 0 }]);
    await close();
  });

  it('a write of ours ends the turn\'s snapshot: committed when acknowledged, and the next read sees it', async () => {
    const { db, seen, close } = await open();
    assert.equal(await count(db), 2);
    await db.run('INSERT INTO t VALUES (3)');
    assert.deepEqual(seen(), [1, 2, 3], 'not left inside the read transaction');
    assert.equal(await count(db), 3);
    const tx = db.transaction((t) => t.run('INSERT INTO t VALUES (4)'));
    await tx;
    assert.equal(await count(db), 4);
    await db.exec('DELETE FROM t WHERE n > 2');
    assert.equal(await count(db), 2);
    await close();
  });

  it('a write through all() (RETURNING) is never left inside the read transaction, nor acknowledged before its group commits', async () => {
    const { db, seen, close } = await open();
    assert.equal(await count(db), 2);
    assert.deepEqual((await db.get('INSERT INTO t VALUES (3) RETURNING n'))?.n, 3n);
    assert.deepEqual(seen(), [1, 2, 3], 'committed when acknowledged');
    const tx = db.transaction((t) => t.run('INSERT INTO t VALUES (4)'));
    await new Promise((r) => queueMicrotask(() => r(undefined)));
    // The group is open, its COMMIT due at the end of the turn: the write joins it.
    const returned = await db.all('INSERT INTO t VALUES (5) RETURNING n');
    assert.deepEqual(seen(), [1, 2, 3, 4, 5], 'acknowledged after the COMMIT');
    assert.equal(returned[0]?.n, 5n);
    await tx;
    await close();
  });

  it('watchRows() in the turn of a read ends it first (close() waits through the same #settle)', async () => {
    const { db, other, close } = await open();
    assert.equal(await count(db), 2);
    await db.watchRows({ t: ['n'] }, { changed() {}, reset() {} });
    assert.deepEqual(other.pragma('wal_checkpoint(TRUNCATE)'), [{ busy: 0, log: 0, checkpointed: 0 }], 'no read lock left');
    assert.equal(await count(db), 2);
    await db.close();
    await close();
  });

  it('not alone on its file, each read sees what another process committed before it', async () => {
    const { db, other, close } = await open(false);
    assert.equal(await count(db), 2);
    other.prepare('INSERT INTO t VALUES (3)').run();
    assert.equal(await count(db), 3);
    await close();
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
  it('several processes opening and migrating one new SQLite file at the same moment: each migration applied once, none fails', { timeout: 60_000 }, async () => {
    // The same moment matters: two opens that both switch a new file to WAL deadlock, and SQLite answers one of them
    // "database is locked" without waiting (the open retries it). Migrations then take the write lock in turn.
    const processes = 3;
    const rounds = 6;
    const { results, failures } = await openAtOnce('store', mkdtempSync(join(dir, 'race-')), processes, rounds);
    assert.deepEqual(failures, []);
    for (let r = 0; r < rounds; r++) {
      assert.deepEqual(results.flatMap((perProcess) => perProcess[r] as number[]).sort((a, b) => a - b), ALL_VERSIONS, `round ${r}`);
    }
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
