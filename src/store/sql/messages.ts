/**
 * Messages, reactions and pins. Messages live in Discord's Cassandra layout: partition (channel_id, bucket) with
 * bucket = bucketOf(id) (10 days of snowflake time), clustered by id. Every lookup of one message names its
 * bucket, and history pages walk buckets with one indexed seek per step, so the cost of a page depends on the
 * page size and the number of non-empty buckets it spans, not on how many empty days lie between messages.
 */
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { PAGE_LIMITS } from '../limits.ts';
import type {
  AttachmentRecord, EmojiRef, MessageInteraction, MessagePage, MessageRecord, MessageReference, MessageSnapshotRecord, MessageStore, PinRecord, PollRecord, PinStore, ReactionStore, ReactionSummary, RemovedAttachment, TakesUploads, WebhookAuthor, WithOutbox,
} from '../types.ts';
import { bucketOf, snowflakeFromTimestamp, snowflakeTimestamp, type Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { incrementMentionsIn } from './state.ts';
import { hasOutbox, OUTBOX_ROWS_PER_INSERT, outboxInsert, removedAttachments, writeOutbox, writeWithOutbox } from './outbox.ts';
import { takeUploadsIn } from './pending-uploads.ts';
import {
  bool, chunks, id, ids, int, json, jsonArray, marks, optId, optInt, optText, pageLimit, rb, rj, rn, rnn, rs, rsn, setClause, text,
} from './values.ts';

// ---------------------------------------------------------------------------------------------- messages

function messageFromRow(r: Row): MessageRecord {
  return {
    id: rs(r.id),
    channelId: rs(r.channel_id),
    guildId: rsn(r.guild_id),
    authorId: rs(r.author_id),
    content: rs(r.content ?? ''),
    type: rn(r.type),
    flags: rn(r.flags),
    tts: rb(r.tts),
    mentionEveryone: rb(r.mention_everyone),
    mentions: rj<Snowflake[]>(r.mentions, []),
    mentionRoles: rj<Snowflake[]>(r.mention_roles, []),
    mentionChannels: rj<Snowflake[]>(r.mention_channels, []),
    embeds: rj<unknown[]>(r.embeds, []),
    attachments: rj<AttachmentRecord[]>(r.attachments, []),
    components: rj<unknown[]>(r.components, []),
    stickerItems: rj<unknown[]>(r.sticker_items, []),
    nonce: rsn(r.nonce),
    pinned: rb(r.pinned),
    webhookId: rsn(r.webhook_id),
    applicationId: rsn(r.application_id),
    messageReference: rj<MessageReference | null>(r.message_reference, null),
    editedAt: rnn(r.edited_at),
    ...webhookAuthorOf(r.webhook_author),
    ...interactionOf(r.interaction),
    ...pollOf(r.poll),
    ...snapshotOf(r.message_snapshot),
  };
}

/** A forward's snapshot, when the row has one (other messages have no `snapshot` at all). */
function snapshotOf(v: unknown): { snapshot?: MessageSnapshotRecord } {
  const found = rj<MessageSnapshotRecord | null>(v, null);
  return found ? { snapshot: found } : {};
}

function snapshotColumn(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = v as MessageSnapshotRecord;
  if (typeof v !== 'object' || typeof s.content !== 'string' || !Array.isArray(s.attachments) || typeof s.createdAt !== 'number') {
    throw new InvalidInputError('message_snapshot', 'not a message snapshot');
  }
  text(s.content, 'messageContent', 'message_snapshot.content');
  return json(s, 'message_snapshot');
}

/** The interaction a message answers, when the row has one (other messages have no `interaction` at all). */
function interactionOf(v: unknown): { interaction?: MessageInteraction } {
  const found = rj<MessageInteraction | null>(v, null);
  return found ? { interaction: found } : {};
}

function interactionColumn(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const i = v as MessageInteraction;
  if (typeof v !== 'object' || !i.metadata || typeof i.metadata !== 'object' || !i.legacy || typeof i.legacy !== 'object') {
    throw new InvalidInputError('interaction', 'not an interaction');
  }
  return json({ metadata: i.metadata, legacy: i.legacy }, 'interaction');
}

/** A poll message's poll, when the row has one (other messages have no `poll` at all). */
function pollOf(v: unknown): { poll?: PollRecord } {
  const found = rj<PollRecord | null>(v, null);
  return found ? { poll: found } : {};
}

function pollColumn(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const p = v as PollRecord;
  if (typeof v !== 'object' || typeof p.question !== 'string' || !Array.isArray(p.answers) || typeof p.expiresAt !== 'number') {
    throw new InvalidInputError('poll', 'not a poll');
  }
  return json(p, 'poll');
}

/** A webhook message's author, when the row has one (other messages have no `webhookAuthor` at all). */
function webhookAuthorOf(v: unknown): { webhookAuthor?: WebhookAuthor } {
  const author = rj<WebhookAuthor | null>(v, null);
  return author ? { webhookAuthor: author } : {};
}

function webhookAuthor(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidInputError('webhook_author', 'not an object');
  const a = v as WebhookAuthor;
  return json({
    username: text(a.username, 'webhookName', 'webhook_author.username'),
    avatar: optText(a.avatar, 'shortText', 'webhook_author.avatar'),
    avatarUrl: optText(a.avatarUrl, 'url', 'webhook_author.avatar_url'),
  }, 'webhook_author');
}

/** Id lists (mentions …) are stored as JSON arrays of decimal strings, after checking each is a snowflake. */
function idList(v: unknown, field: string): string {
  if (!Array.isArray(v)) throw new InvalidInputError(field, 'not a list');
  ids(v, field);
  return json(v, field);
}

function reference(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidInputError('message_reference', 'not an object');
  const ref = v as MessageReference;
  optId(ref.messageId, 'message_reference.message_id');
  optId(ref.channelId, 'message_reference.channel_id');
  optId(ref.guildId, 'message_reference.guild_id');
  return json(v, 'message_reference');
}

/** In the order of messageParams. */
const MESSAGE_COLUMNS = [
  'channel_id', 'bucket', 'id', 'guild_id', 'author_id', 'content', 'type', 'flags', 'tts', 'mention_everyone', 'mentions',
  'mention_roles', 'mention_channels', 'embeds', 'attachments', 'components', 'sticker_items', 'nonce', 'pinned', 'webhook_id',
  'application_id', 'message_reference', 'edited_at', 'webhook_author', 'interaction', 'poll', 'message_snapshot',
] as const;
const INSERT_MESSAGE = `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')}) VALUES (${marks(MESSAGE_COLUMNS.length)})`;

function messageParams(m: MessageRecord): SqlValue[] {
  const key = id(m.id);
  return [
    id(m.channelId, 'channel_id'), bucketOf(key), key, optId(m.guildId, 'guild_id'), id(m.authorId, 'author_id'),
    text(m.content, 'messageContent', 'content'), int(m.type, 'type'), int(m.flags, 'flags'), bool(m.tts, 'tts'),
    bool(m.mentionEveryone, 'mention_everyone'), idList(m.mentions, 'mentions'), idList(m.mentionRoles, 'mention_roles'),
    idList(m.mentionChannels, 'mention_channels'), jsonArray(m.embeds, 'embeds'), jsonArray(m.attachments, 'attachments'),
    jsonArray(m.components, 'components'), jsonArray(m.stickerItems, 'sticker_items'), optText(m.nonce, 'nonce', 'nonce'),
    bool(m.pinned, 'pinned'), optId(m.webhookId, 'webhook_id'), optId(m.applicationId, 'application_id'),
    reference(m.messageReference), optInt(m.editedAt, 'edited_at'), webhookAuthor(m.webhookAuthor),
    interactionColumn(m.interaction), pollColumn(m.poll), snapshotColumn(m.snapshot),
  ];
}

/** Claims an enforce_nonce key (createOnce); callers append the WHERE that limits taking over an existing claim. */
const CLAIM_NONCE = `INSERT INTO message_nonces (channel_id, author_id, nonce, message_id, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (channel_id, author_id, nonce) DO UPDATE SET message_id = excluded.message_id, created_at = excluded.created_at`;

const INSERT_POLL_ENDING = 'INSERT INTO poll_endings (channel_id, bucket, message_id, ends_at) VALUES (?, ?, ?, ?)';

const ADVANCE_LAST_MESSAGE = 'UPDATE channels SET last_message_id = ? WHERE id = ? AND (last_message_id IS NULL OR last_message_id < ?)';

/**
 * PostgreSQL: the common message create (no poll, mentions, uploads or audit entries, at most one INSERT of outbox
 * records) as one statement whose data-modifying CTEs insert the message, advance the channel's last_message_id and
 * store the outbox records. A single statement is its own transaction, so this is one round trip where BEGIN,
 * three writes and COMMIT took five; on a busy machine each costs the api node a wake-up of the database
 * (docs/performance.md, "Message create on PostgreSQL"). The three parts touch different rows, so running them on
 * one snapshot changes nothing. Null: the write takes the transaction of #insertIn.
 */
function oneStatementCreate(
  message: MessageRecord, params: SqlValue[], opts: { mentionUserIds?: readonly Snowflake[] } & WithOutbox<void> & TakesUploads,
): { sql: string; params: SqlValue[] } | null {
  if (message.poll || opts.mentionUserIds?.length || opts.uploadKeys?.length || opts.audit !== undefined || typeof opts.outbox === 'function') return null;
  const records = opts.outbox ?? [];
  if (records.length > OUTBOX_ROWS_PER_INSERT) return null;
  const outbox = records.length ? outboxInsert(records) : null;
  const [ch, , key] = params as [bigint, number, bigint];
  return {
    sql: `WITH inserted AS (${INSERT_MESSAGE} RETURNING id), advanced AS (${ADVANCE_LAST_MESSAGE} RETURNING id)`
      + `${outbox ? `, recorded AS (${outbox.sql} RETURNING id)` : ''} SELECT 1 FROM inserted`,
    params: [...params, key, ch, key, ...(outbox?.params ?? [])],
  };
}

export class SqlMessageStore implements MessageStore {
  constructor(private readonly db: SqlDriver) {}

  async create(message: MessageRecord, opts: { mentionUserIds?: readonly Snowflake[] } & WithOutbox<void> & TakesUploads = {}): Promise<MessageRecord> {
    const params = messageParams(message);
    const oneStatement = this.db.dialect === 'postgres' ? oneStatementCreate(message, params, opts) : null;
    if (oneStatement) await this.db.run(oneStatement.sql, oneStatement.params, { fk: 'channel' });
    else await this.db.transaction((tx) => this.#insertIn(tx, message, params, opts));
    // Decoded from what was written, exactly as a read would, without the round trip of one (the send path).
    return messageFromRow(Object.fromEntries(MESSAGE_COLUMNS.map((c, i) => [c, params[i]])));
  }

  /**
   * The claim goes first: on PostgreSQL a concurrent claimer of the same key blocks on the unique index until this
   * transaction ends, then sees the committed claim (READ COMMITTED re-reads per statement) and returns its message;
   * SQLite serialises the transactions. A claim older than `sinceMs` is taken over in place.
   */
  async createOnce(
    message: MessageRecord, nonce: string, sinceMs: number, opts: { mentionUserIds?: readonly Snowflake[] } & WithOutbox<void> & TakesUploads = {},
  ): Promise<{ message: MessageRecord; created: boolean }> {
    if (typeof nonce !== 'string') throw new InvalidInputError('nonce', 'not a string');
    const params = messageParams(message);
    const [ch, , key, , author] = params as [bigint, number, bigint, unknown, bigint];
    const claim = [ch, author, optText(nonce, 'nonce', 'nonce'), key, snowflakeTimestamp(key)];
    const since = int(Math.floor(sinceMs), 'since');
    return this.db.transaction(async (tx) => {
      const claimed = await tx.run(`${CLAIM_NONCE} WHERE message_nonces.created_at < ?`, [...claim, since]);
      if (claimed.changes === 0) {
        const held = await tx.get('SELECT message_id FROM message_nonces WHERE channel_id = ? AND author_id = ? AND nonce = ?', claim.slice(0, 3));
        const earlier = held ? await this.#getIn(tx, ch, BigInt(String(held.message_id))) : undefined;
        if (earlier) return { message: messageFromRow(earlier), created: false };
        // The claim's message was deleted (or the claim swept meanwhile): this send takes the key.
        await tx.run(CLAIM_NONCE, claim);
      }
      await this.#insertIn(tx, message, params, opts);
      return { message: messageFromRow(Object.fromEntries(MESSAGE_COLUMNS.map((c, i) => [c, params[i]]))), created: true };
    });
  }

  async pruneNonces(beforeMs: number): Promise<number> {
    return (await this.db.run('DELETE FROM message_nonces WHERE created_at < ?', [int(Math.floor(beforeMs), 'before')])).changes;
  }

  #getIn(tx: SqlDriver, ch: bigint, key: bigint): Promise<Row | undefined> {
    return tx.get('SELECT * FROM messages WHERE channel_id = ? AND bucket = ? AND id = ?', [ch, bucketOf(key), key]);
  }

  async #insertIn(tx: SqlDriver, message: MessageRecord, params: SqlValue[], opts: { mentionUserIds?: readonly Snowflake[] } & WithOutbox<void> & TakesUploads) {
    await tx.run(INSERT_MESSAGE, params, { fk: 'channel' });
    await tx.run(ADVANCE_LAST_MESSAGE, [params[2], params[0], params[2]]);
    // A poll's end is announced when it comes (polls.ts dueEndings / claimEnding).
    if (message.poll) await tx.run(INSERT_POLL_ENDING, [params[0], params[1], params[2], int(message.poll.expiresAt, 'poll.expires_at')]);
    if (opts.mentionUserIds?.length) await incrementMentionsIn(tx, message.channelId, opts.mentionUserIds);
    if (opts.uploadKeys?.length) await takeUploadsIn(tx, opts.uploadKeys);
    await writeOutbox(tx, opts, undefined);
  }

  /**
   * Stores many messages in one transaction (imports, benchmarks) with the checks of create: multi-row
   * INSERTs of up to 400 rows (25 parameters each stays under both databases' parameter limits), then one
   * lastMessageId update per channel.
   */
  async createMany(messages: readonly MessageRecord[]): Promise<void> {
    const rows = messages.map(messageParams);
    const newest = new Map<bigint, bigint>();
    for (const p of rows) {
      const [ch, , key] = p as [bigint, number, bigint];
      if ((newest.get(ch) ?? -1n) < key) newest.set(ch, key);
    }
    const values = `(${marks(MESSAGE_COLUMNS.length)})`;
    await this.db.transaction(async (tx) => {
      for (const chunk of chunks(rows, 400)) {
        const sql = INSERT_MESSAGE.replace(/VALUES \(.*\)$/s, `VALUES ${chunk.map(() => values).join(', ')}`);
        await tx.run(sql, chunk.flat(), { fk: 'channel' });
      }
      for (const [ch, key] of newest) {
        await tx.run(ADVANCE_LAST_MESSAGE, [key, ch, key]);
      }
    });
  }

  async get(channelId: Snowflake, messageId: Snowflake): Promise<MessageRecord | null> {
    const key = id(messageId);
    const row = await this.db.get('SELECT * FROM messages WHERE channel_id = ? AND bucket = ? AND id = ?', [id(channelId, 'channel_id'), bucketOf(key), key]);
    return row ? messageFromRow(row) : null;
  }

  /**
   * Newest first. Which messages, by option (checked in this order):
   * - `around`: the ceil(limit/2) newest with id <= around (the message itself first among them, if it exists)
   *   and the floor(limit/2) oldest with id > around; limit 1 thus returns the message itself. A side with fewer
   *   messages is not filled from the other.
   * - `before` (optionally with `after` as a lower bound): the `limit` newest with after < id < before.
   * - `after` alone: the `limit` oldest with id > after.
   * - nothing: the `limit` newest.
   */
  async list(channelId: Snowflake, page: MessagePage = {}): Promise<MessageRecord[]> {
    const ch = id(channelId, 'channel_id');
    const limit = pageLimit(page.limit, PAGE_LIMITS.messages);
    let rows: Row[];
    if (page.around !== undefined) {
      const around = id(page.around, 'around');
      const older = await this.#walkBack(ch, around + 1n, null, Math.ceil(limit / 2));
      const newer = limit >= 2 ? await this.#walkForward(ch, around, Math.floor(limit / 2)) : [];
      rows = [...newer.reverse(), ...older];
    } else if (page.before !== undefined) {
      rows = await this.#walkBack(ch, id(page.before, 'before'), page.after === undefined ? null : id(page.after, 'after'), limit);
    } else if (page.after !== undefined) {
      rows = (await this.#walkForward(ch, id(page.after, 'after'), limit)).reverse();
    } else {
      rows = await this.#walkBack(ch, null, null, limit);
    }
    return rows.map(messageFromRow);
  }

  /** Up to `limit` rows with above < id < below, newest first, bucket by bucket downwards. */
  async #walkBack(ch: bigint, below: bigint | null, above: bigint | null, limit: number): Promise<Row[]> {
    const out: Row[] = [];
    const lowest = above === null ? null : bucketOf(above);
    let bucket = await this.#bucket(
      below === null
        ? ['SELECT bucket FROM messages WHERE channel_id = ? ORDER BY bucket DESC LIMIT 1', [ch]]
        : ['SELECT bucket FROM messages WHERE channel_id = ? AND bucket <= ? ORDER BY bucket DESC LIMIT 1', [ch, bucketOf(below)]],
    );
    while (bucket !== null && (lowest === null || bucket >= lowest)) {
      let sql = 'SELECT * FROM messages WHERE channel_id = ? AND bucket = ?';
      const params: SqlValue[] = [ch, bucket];
      if (below !== null) (sql += ' AND id < ?'), params.push(below);
      if (above !== null) (sql += ' AND id > ?'), params.push(above);
      params.push(limit - out.length);
      out.push(...(await this.db.all(`${sql} ORDER BY id DESC LIMIT ?`, params)));
      if (out.length >= limit) break;
      // The next non-empty older bucket, however many empty ones lie between: one index seek.
      bucket = await this.#bucket(['SELECT bucket FROM messages WHERE channel_id = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1', [ch, bucket]]);
    }
    return out;
  }

  /** Up to `limit` rows with id > above, oldest first, bucket by bucket upwards. */
  async #walkForward(ch: bigint, above: bigint, limit: number): Promise<Row[]> {
    const out: Row[] = [];
    let bucket = await this.#bucket(['SELECT bucket FROM messages WHERE channel_id = ? AND bucket >= ? ORDER BY bucket LIMIT 1', [ch, bucketOf(above)]]);
    while (bucket !== null) {
      out.push(...(await this.db.all(
        'SELECT * FROM messages WHERE channel_id = ? AND bucket = ? AND id > ? ORDER BY id LIMIT ?',
        [ch, bucket, above, limit - out.length],
      )));
      if (out.length >= limit) break;
      bucket = await this.#bucket(['SELECT bucket FROM messages WHERE channel_id = ? AND bucket > ? ORDER BY bucket LIMIT 1', [ch, bucket]]);
    }
    return out;
  }

  async #bucket([sql, params]: [string, SqlValue[]]): Promise<number | null> {
    const row = await this.db.get(sql, params);
    return row ? rn(row.bucket) : null;
  }

  async update(
    channelId: Snowflake,
    messageId: Snowflake,
    patch: Parameters<MessageStore['update']>[2],
    opts?: Parameters<MessageStore['update']>[3],
  ): Promise<MessageRecord> {
    const key = id(messageId);
    const set = setClause(patch, {
      content: ['content', (v) => text(v, 'messageContent', 'content')],
      embeds: ['embeds', (v) => jsonArray(v, 'embeds')],
      attachments: ['attachments', (v) => jsonArray(v, 'attachments')],
      components: ['components', (v) => jsonArray(v, 'components')],
      flags: ['flags', (v) => int(v, 'flags')],
      mentions: ['mentions', (v) => idList(v, 'mentions')],
      mentionRoles: ['mention_roles', (v) => idList(v, 'mention_roles')],
      mentionChannels: ['mention_channels', (v) => idList(v, 'mention_channels')],
      mentionEveryone: ['mention_everyone', (v) => bool(v, 'mention_everyone')],
      editedAt: ['edited_at', (v) => optInt(v, 'edited_at')],
      pinned: ['pinned', (v) => bool(v, 'pinned')],
      poll: ['poll', (v) => pollColumn(v)],
    });
    const where = [id(channelId, 'channel_id'), bucketOf(key), key];
    const uploads = opts?.uploadKeys ?? [];
    const write = async (db: SqlDriver) => {
      const found = set.sql
        ? (await db.run(`UPDATE messages SET ${set.sql} WHERE channel_id = ? AND bucket = ? AND id = ?`, [...set.params, ...where])).changes
        : (await db.all('SELECT id FROM messages WHERE channel_id = ? AND bucket = ? AND id = ?', where)).length;
      if (found === 0) throw new NotFoundError('message', messageId);
      // A poll changed here (ended early) has its end announced by this write: nothing is left to announce. A poll
      // added here (pollAdded) has its end to come, as a new message's (INSERT_POLL_ENDING in create).
      if (patch.poll !== undefined) await db.run('DELETE FROM poll_endings WHERE message_id = ?', [key]);
      if (opts?.pollAdded && patch.poll) await db.run(INSERT_POLL_ENDING, [where[0]!, where[1]!, key, int(patch.poll.expiresAt, 'poll.expires_at')]);
    };
    // An empty patch with outbox records still checks the message exists, so its records never outlive it.
    if (uploads.length || opts?.pollAdded) {
      await this.db.transaction(async (tx) => {
        await write(tx);
        await takeUploadsIn(tx, uploads);
        await writeOutbox(tx, opts, undefined);
      });
    } else if (set.sql || hasOutbox(opts)) {
      await writeWithOutbox(this.db, opts, write);
    }
    const message = await this.get(channelId, messageId);
    if (!message) throw new NotFoundError('message', messageId);
    return message;
  }

  async delete(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<void>): Promise<void> {
    const key = id(messageId);
    const ch = id(channelId, 'channel_id');
    const remove = async (db: SqlDriver) => {
      // Reactions and the pin cascade; the attachments come back for the outbox (their files go too).
      const rows = await db.all('DELETE FROM messages WHERE channel_id = ? AND bucket = ? AND id = ? RETURNING attachments, message_snapshot', [ch, bucketOf(key), key]);
      if (rows.length === 0) throw new NotFoundError('message', messageId);
      return removedAttachments(rows, String(ch));
    };
    if (!hasOutbox(opts)) {
      await remove(this.db);
      return;
    }
    await this.db.transaction(async (tx) => writeOutbox(tx, opts, undefined, await remove(tx)));
  }

  async bulkDelete(channelId: Snowflake, messageIds: readonly Snowflake[], opts?: WithOutbox<Snowflake[]>): Promise<Snowflake[]> {
    const ch = id(channelId, 'channel_id');
    const wanted = [...new Set(ids(messageIds, 'messages'))];
    const deleted = new Set<string>();
    return this.db.transaction(async (tx) => {
      const removed: RemovedAttachment[] = [];
      for (const chunk of chunks(wanted, 400)) {
        const buckets = [...new Set(chunk.map((m) => bucketOf(m)))];
        const rows = await tx.all(
          `DELETE FROM messages WHERE channel_id = ? AND bucket IN (${marks(buckets.length)}) AND id IN (${marks(chunk.length)}) RETURNING id, attachments, message_snapshot`,
          [ch, ...buckets, ...chunk],
        );
        for (const r of rows) deleted.add(rs(r.id));
        removed.push(...removedAttachments(rows, String(ch)));
      }
      const gone = wanted.map(String).filter((m) => deleted.has(m));
      await writeOutbox(tx, opts, gone, removed);
      return gone;
    });
  }

  async findByNonce(channelId: Snowflake, authorId: Snowflake, nonce: string, sinceMs: number): Promise<MessageRecord | null> {
    if (typeof nonce !== 'string') throw new InvalidInputError('nonce', 'not a string');
    const row = await this.db.get(
      'SELECT * FROM messages WHERE channel_id = ? AND author_id = ? AND nonce = ? AND id >= ? ORDER BY id DESC LIMIT 1',
      [id(channelId, 'channel_id'), id(authorId, 'author_id'), nonce, BigInt(snowflakeFromTimestamp(int(Math.floor(sinceMs), 'since')))],
    );
    return row ? messageFromRow(row) : null;
  }

  async getMany(channelId: Snowflake, messageIds: readonly Snowflake[]): Promise<MessageRecord[]> {
    const ch = id(channelId, 'channel_id');
    const wanted = ids(messageIds, 'messages');
    const found = new Map<string, MessageRecord>();
    for (const chunk of chunks([...new Set(wanted)], 400)) {
      const buckets = [...new Set(chunk.map((m) => bucketOf(m)))];
      const rows = await this.db.all(
        `SELECT * FROM messages WHERE channel_id = ? AND bucket IN (${marks(buckets.length)}) AND id IN (${marks(chunk.length)})`,
        [ch, ...buckets, ...chunk],
      );
      for (const r of rows) found.set(rs(r.id), messageFromRow(r));
    }
    return wanted.map((w) => found.get(w.toString())).filter((m): m is MessageRecord => m !== undefined);
  }
}

// --------------------------------------------------------------------------------------------- reactions

/** Custom emojis are identified by id (their name may change), unicode ones by their characters. */
function emojiKey(emoji: EmojiRef): { key: string; emojiId: bigint | null; name: string; animated: number } {
  if (!emoji || typeof emoji !== 'object') throw new InvalidInputError('emoji', 'not an emoji');
  const emojiId = optId(emoji.id, 'emoji.id');
  const name = text(emoji.name, 'emojiName', 'emoji.name');
  return { key: emojiId === null ? `u:${name}` : `c:${emojiId}`, emojiId, name, animated: emoji.animated ? 1 : 0 };
}

export class SqlReactionStore implements ReactionStore {
  constructor(private readonly db: SqlDriver) {}

  async add(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, userId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean> {
    const e = emojiKey(emoji);
    const m = id(messageId, 'message_id');
    return writeWithOutbox(this.db, opts, async (db) => {
      const { changes } = await db.run(
        `INSERT INTO reactions (channel_id, bucket, message_id, emoji_key, emoji_id, emoji_name, animated, user_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, message_id, emoji_key, user_id) DO NOTHING`,
        [id(channelId, 'channel_id'), bucketOf(m), m, e.key, e.emojiId, e.name, e.animated, id(userId, 'user_id')],
        { fk: 'message' },
      );
      return changes > 0;
    }, (added) => added);
  }

  async remove(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, userId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean> {
    return writeWithOutbox(this.db, opts, async (db) => {
      const { changes } = await db.run(
        'DELETE FROM reactions WHERE channel_id = ? AND message_id = ? AND emoji_key = ? AND user_id = ?',
        [id(channelId, 'channel_id'), id(messageId, 'message_id'), emojiKey(emoji).key, id(userId, 'user_id')],
      );
      return changes > 0;
    }, (removed) => removed);
  }

  async listUsers(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, opts: { after?: Snowflake; limit?: number } = {}): Promise<Snowflake[]> {
    const rows = await this.db.all(
      'SELECT user_id FROM reactions WHERE channel_id = ? AND message_id = ? AND emoji_key = ? AND user_id > ? ORDER BY user_id LIMIT ?',
      [
        id(channelId, 'channel_id'), id(messageId, 'message_id'), emojiKey(emoji).key,
        opts.after === undefined ? 0n : id(opts.after, 'after'), pageLimit(opts.limit, PAGE_LIMITS.reactions),
      ],
    );
    return rows.map((r) => rs(r.user_id));
  }

  async removeAll(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<void>): Promise<void> {
    await writeWithOutbox(this.db, opts, async (db) => {
      await db.run('DELETE FROM reactions WHERE channel_id = ? AND message_id = ?', [id(channelId, 'channel_id'), id(messageId, 'message_id')]);
    });
  }

  async removeEmoji(channelId: Snowflake, messageId: Snowflake, emoji: EmojiRef, opts?: WithOutbox<void>): Promise<void> {
    await writeWithOutbox(this.db, opts, async (db) => {
      await db.run(
        'DELETE FROM reactions WHERE channel_id = ? AND message_id = ? AND emoji_key = ?',
        [id(channelId, 'channel_id'), id(messageId, 'message_id'), emojiKey(emoji).key],
      );
    });
  }

  /** Messages without reactions have no entry in the map. */
  async summarize(channelId: Snowflake, messageIds: readonly Snowflake[], viewerId: Snowflake | null): Promise<Map<Snowflake, ReactionSummary[]>> {
    const ch = id(channelId, 'channel_id');
    const viewer = optId(viewerId, 'viewer_id') ?? -1n;
    const out = new Map<Snowflake, ReactionSummary[]>();
    for (const chunk of chunks([...new Set(ids(messageIds, 'messages'))], 400)) {
      const rows = await this.db.all(
        `SELECT message_id, emoji_key, min(emoji_id) AS emoji_id, min(emoji_name) AS emoji_name, max(animated) AS animated,
           count(*) AS n, max(CASE WHEN user_id = ? THEN 1 ELSE 0 END) AS me, min(seq) AS first_seq
         FROM reactions WHERE channel_id = ? AND message_id IN (${marks(chunk.length)})
         GROUP BY message_id, emoji_key ORDER BY message_id, first_seq`,
        [viewer, ch, ...chunk],
      );
      for (const r of rows) {
        const messageId = rs(r.message_id);
        const emoji: EmojiRef = r.emoji_id === null || r.emoji_id === undefined
          ? { id: null, name: rs(r.emoji_name) }
          : { id: rs(r.emoji_id), name: rs(r.emoji_name), animated: rb(r.animated) };
        const list = out.get(messageId) ?? [];
        list.push({ messageId, emoji, count: rn(r.n), me: rb(r.me) });
        out.set(messageId, list);
      }
    }
    return out;
  }

  async countEmojis(channelId: Snowflake, messageId: Snowflake): Promise<number> {
    const row = await this.db.get(
      'SELECT count(DISTINCT emoji_key) AS n FROM reactions WHERE channel_id = ? AND message_id = ?',
      [id(channelId, 'channel_id'), id(messageId, 'message_id')],
    );
    return rn(row?.n ?? 0);
  }
}

// -------------------------------------------------------------------------------------------------- pins

export class SqlPinStore implements PinStore {
  constructor(private readonly db: SqlDriver) {}

  async pin(channelId: Snowflake, messageId: Snowflake, at: number, opts?: WithOutbox<boolean>): Promise<boolean> {
    const ch = id(channelId, 'channel_id');
    const m = id(messageId, 'message_id');
    const when = int(at, 'pinned_at');
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run(
        'INSERT INTO pins (channel_id, bucket, message_id, pinned_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
        [ch, bucketOf(m), m, when],
        { fk: 'message' },
      );
      if (changes === 0) return false;
      await tx.run('UPDATE messages SET pinned = 1 WHERE channel_id = ? AND bucket = ? AND id = ?', [ch, bucketOf(m), m]);
      await tx.run('UPDATE channels SET last_pin_timestamp = ? WHERE id = ?', [when, ch]);
      await writeOutbox(tx, opts, true);
      return true;
    });
  }

  async unpin(channelId: Snowflake, messageId: Snowflake, opts?: WithOutbox<boolean>): Promise<boolean> {
    const ch = id(channelId, 'channel_id');
    const m = id(messageId, 'message_id');
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run('DELETE FROM pins WHERE channel_id = ? AND message_id = ?', [ch, m]);
      if (changes === 0) return false;
      await tx.run('UPDATE messages SET pinned = 0 WHERE channel_id = ? AND bucket = ? AND id = ?', [ch, bucketOf(m), m]);
      await writeOutbox(tx, opts, true);
      return true;
    });
  }

  async list(channelId: Snowflake): Promise<PinRecord[]> {
    const rows = await this.db.all('SELECT * FROM pins WHERE channel_id = ? ORDER BY pinned_at DESC, message_id DESC', [id(channelId, 'channel_id')]);
    return rows.map((r) => ({ channelId: rs(r.channel_id), messageId: rs(r.message_id), pinnedAt: rn(r.pinned_at) }));
  }

  async count(channelId: Snowflake): Promise<number> {
    const row = await this.db.get('SELECT count(*) AS n FROM pins WHERE channel_id = ?', [id(channelId, 'channel_id')]);
    return rn(row?.n ?? 0);
  }
}
