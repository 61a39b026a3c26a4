/** The outbox table: records written inside other writes' transactions, read and cleared by the relay. */
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { OutboxRecord, OutboxStore, RemovedAttachment, WithOutbox } from '../types.ts';
import type { SqlDriver, SqlValue } from './driver.ts';
import { insertAuditEntries } from './audit-log.ts';
import { chunks, id, ids, int, marks, rs } from './values.ts';

/**
 * Stores the write's outbox records on its transaction `tx` (nothing when there are none); `removed` names the
 * attachments of messages the write deleted.
 */
export async function writeOutbox<R>(tx: SqlDriver, opts: WithOutbox<R> | undefined, result: R, removed: readonly RemovedAttachment[] = []): Promise<void> {
  const entries = typeof opts?.audit === 'function' ? opts.audit(result) : opts?.audit;
  if (entries?.length) await insertAuditEntries(tx, entries);
  const records = typeof opts?.outbox === 'function' ? opts.outbox(result, removed) : opts?.outbox;
  if (!records?.length) return;
  for (const chunk of chunks([...records], OUTBOX_ROWS_PER_INSERT)) {
    const insert = outboxInsert(chunk);
    await tx.run(insert.sql, insert.params);
  }
}

/** Records per INSERT: five parameters each keeps a statement far below either database's parameter limit. */
export const OUTBOX_ROWS_PER_INSERT = 200;

/** One multi-row INSERT of outbox records (at most OUTBOX_ROWS_PER_INSERT). */
export function outboxInsert(records: readonly OutboxRecord[]): { sql: string; params: SqlValue[] } {
  return {
    sql: `INSERT INTO outbox (id, kind, subject, payload, created_at) VALUES ${records.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    params: records.flatMap((r) => [id(r.id, 'outbox.id'), r.kind, r.subject, r.payload, int(r.createdAt, 'outbox.created_at')]),
  };
}

/** True when the write needs a transaction of its own for its outbox records. */
export function hasOutbox<R>(opts: WithOutbox<R> | undefined): boolean {
  return (opts?.outbox !== undefined && (typeof opts.outbox === 'function' || opts.outbox.length > 0))
    || (opts?.audit !== undefined && (typeof opts.audit === 'function' || opts.audit.length > 0));
}

/**
 * Runs a single-statement write and, when it changed something, stores its outbox records in the same
 * transaction. Without records the write runs as it is, no transaction opened.
 */
export async function writeWithOutbox<R>(db: SqlDriver, opts: WithOutbox<R> | undefined, write: (db: SqlDriver) => Promise<R>, changed: (result: R) => boolean = () => true): Promise<R> {
  if (!hasOutbox(opts)) return write(db);
  return db.transaction(async (tx) => {
    const result = await write(tx);
    if (changed(result)) await writeOutbox(tx, opts, result);
    return result;
  });
}

/**
 * The files of deleted message rows (`channel_id`, `attachments` and `message_snapshot` columns, or one channel for
 * all): the message's own and, for a forward, the copies its snapshot holds.
 */
export function removedAttachments(rows: ReadonlyArray<Record<string, unknown>>, channelId?: Snowflake): RemovedAttachment[] {
  const out: RemovedAttachment[] = [];
  const parse = (v: unknown): unknown => {
    try {
      return JSON.parse(String(v));
    } catch {
      return null;
    }
  };
  for (const row of rows) {
    const ch = channelId ?? String(row.channel_id);
    const own = parse(row.attachments ?? '[]');
    const snapshot = row.message_snapshot == null ? null : (parse(row.message_snapshot) as { attachments?: unknown } | null);
    for (const list of [own, snapshot?.attachments]) {
      if (!Array.isArray(list)) continue;
      for (const a of list) {
        const attachmentId = (a as { id?: unknown } | null)?.id;
        if (typeof attachmentId === 'string') out.push({ channelId: ch, attachmentId });
      }
    }
  }
  return out;
}

export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly db: SqlDriver) {}

  async pending(opts: { limit: number; createdBefore?: number }): Promise<OutboxRecord[]> {
    const rows = await this.db.all(
      'SELECT id, kind, subject, payload, created_at FROM outbox WHERE created_at < ? ORDER BY id LIMIT ?',
      [int(Math.floor(opts.createdBefore ?? Number.MAX_SAFE_INTEGER), 'created_before'), int(opts.limit, 'limit')],
    );
    return rows.map((r) => ({ id: rs(r.id), kind: r.kind as OutboxRecord['kind'], subject: String(r.subject), payload: String(r.payload), createdAt: Number(r.created_at) }));
  }

  async done(recordIds: readonly Snowflake[]): Promise<void> {
    for (const chunk of chunks([...ids(recordIds, 'outbox')], 400)) {
      await this.db.run(`DELETE FROM outbox WHERE id IN (${marks(chunk.length)})`, chunk);
    }
  }
}
