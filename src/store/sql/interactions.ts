/** Live interactions and the messages they made (types.ts InteractionStore). */
import { InvalidInputError } from '../errors.ts';
import type { InteractionMessageRecord, InteractionRecord, InteractionState, InteractionStore } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, ids, int, json, marks, optText, rj, rn, rs, rsn, setClause, text } from './values.ts';

const STATES = new Set<InteractionState>(['pending', 'acked', 'failed']);

function state(v: unknown): InteractionState {
  if (typeof v !== 'string' || !STATES.has(v as InteractionState)) throw new InvalidInputError('state', 'unknown interaction state');
  return v as InteractionState;
}

function interactionFromRow(r: Row): InteractionRecord {
  return {
    id: rs(r.id),
    applicationId: rs(r.application_id),
    userId: rs(r.user_id),
    tokenHash: rs(r.token_hash),
    state: rs(r.state) as InteractionState,
    modalCustomId: rsn(r.modal_custom_id),
    createdAt: rn(r.created_at),
    details: rj<Record<string, unknown>>(r.details, {}),
  };
}

function messageFromRow(r: Row): InteractionMessageRecord {
  return {
    messageId: rs(r.message_id),
    interactionId: rs(r.interaction_id),
    metadata: rj<Record<string, unknown>>(r.metadata, {}),
    ephemeral: rj<Record<string, unknown> | null>(r.ephemeral, null),
    createdAt: rn(r.created_at),
  };
}

export class SqlInteractionStore implements InteractionStore {
  constructor(private readonly db: SqlDriver) {}

  async create(r: InteractionRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO interactions (id, application_id, user_id, token_hash, state, modal_custom_id, created_at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id(r.id), id(r.applicationId, 'application_id'), id(r.userId, 'user_id'), text(r.tokenHash, 'shortText', 'token_hash'), state(r.state),
        optText(r.modalCustomId, 'shortText', 'modal_custom_id'), int(r.createdAt, 'created_at'), json(r.details, 'details'),
      ],
    );
  }

  async get(interactionId: Snowflake): Promise<InteractionRecord | null> {
    const row = await this.db.get('SELECT * FROM interactions WHERE id = ?', [id(interactionId)]);
    return row ? interactionFromRow(row) : null;
  }

  async getByTokenHash(tokenHash: string): Promise<InteractionRecord | null> {
    const row = await this.db.get('SELECT * FROM interactions WHERE token_hash = ?', [text(tokenHash, 'shortText', 'token_hash')]);
    return row ? interactionFromRow(row) : null;
  }

  async setState(interactionId: Snowflake, from: InteractionState, to: InteractionState): Promise<boolean> {
    const { changes } = await this.db.run('UPDATE interactions SET state = ? WHERE id = ? AND state = ?', [state(to), id(interactionId), state(from)]);
    return changes === 1;
  }

  async claimFollowUp(interactionId: Snowflake, max: number): Promise<boolean> {
    const { changes } = await this.db.run('UPDATE interactions SET followups = followups + 1 WHERE id = ? AND followups < ?', [id(interactionId), int(max, 'max')]);
    return changes === 1;
  }

  async claimFill(interactionId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('UPDATE interactions SET filled = 1 WHERE id = ? AND filled = 0', [id(interactionId)]);
    return changes === 1;
  }

  async update(interactionId: Snowflake, patch: Partial<Pick<InteractionRecord, 'details' | 'modalCustomId'>>): Promise<void> {
    const set = setClause(patch, {
      details: ['details', (v) => json(v, 'details')],
      modalCustomId: ['modal_custom_id', (v) => optText(v, 'shortText', 'modal_custom_id')],
    });
    if (set.sql) await this.db.run(`UPDATE interactions SET ${set.sql} WHERE id = ?`, [...set.params, id(interactionId)]);
  }

  async takeModal(applicationId: Snowflake, userId: Snowflake, customId: string, since: number): Promise<InteractionRecord | null> {
    const row = await this.db.get(
      `SELECT * FROM interactions WHERE application_id = ? AND user_id = ? AND modal_custom_id = ? AND created_at >= ? ORDER BY id DESC LIMIT 1`,
      [id(applicationId, 'application_id'), id(userId, 'user_id'), text(customId, 'shortText', 'custom_id'), int(since, 'since')],
    );
    if (!row) return null;
    // Taken by one submit only, whichever process gets there first.
    const { changes } = await this.db.run('UPDATE interactions SET modal_custom_id = NULL WHERE id = ? AND modal_custom_id = ?', [id(rs(row.id)), customId]);
    return changes === 1 ? { ...interactionFromRow(row), modalCustomId: null } : null;
  }

  async putMessage(r: InteractionMessageRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO interaction_messages (message_id, interaction_id, metadata, ephemeral, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (message_id) DO UPDATE SET metadata = excluded.metadata, ephemeral = excluded.ephemeral`,
      [id(r.messageId, 'message_id'), id(r.interactionId, 'interaction_id'), json(r.metadata, 'metadata'), r.ephemeral === null ? null : json(r.ephemeral, 'ephemeral'), int(r.createdAt, 'created_at')],
    );
  }

  async getMessages(messageIds: readonly Snowflake[]): Promise<InteractionMessageRecord[]> {
    if (messageIds.length === 0) return [];
    const keys = ids(messageIds, 'message_id');
    const rows = await this.db.all(`SELECT * FROM interaction_messages WHERE message_id IN (${marks(keys.length)})`, keys);
    return rows.map(messageFromRow);
  }

  async deleteMessage(messageId: Snowflake): Promise<void> {
    await this.db.run('DELETE FROM interaction_messages WHERE message_id = ?', [id(messageId, 'message_id')]);
  }

  async deleteOlderThan(before: number): Promise<number> {
    const cutoff = int(before, 'before');
    await this.db.run('DELETE FROM interaction_messages WHERE created_at < ?', [cutoff]);
    const { changes } = await this.db.run('DELETE FROM interactions WHERE created_at < ?', [cutoff]);
    return changes;
  }
}
