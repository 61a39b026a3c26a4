/** Webhooks of guild channels (types.ts WebhookStore). */
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { WebhookType, type WebhookRecord, type WebhookStore, type WebhookTypeValue } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver } from './driver.ts';
import { id, int, optId, optText, rn, rs, rsn, setClause, text } from './values.ts';

const TYPES = new Set<number>(Object.values(WebhookType));

function webhookFromRow(r: Row): WebhookRecord {
  return {
    id: rs(r.id),
    type: rn(r.type) as WebhookTypeValue,
    guildId: rs(r.guild_id),
    channelId: rs(r.channel_id),
    creatorId: rsn(r.creator_id),
    name: rs(r.name),
    avatar: rsn(r.avatar),
    token: rsn(r.token),
    applicationId: rsn(r.application_id),
    createdAt: rn(r.created_at),
  };
}

function webhookType(v: unknown): number {
  if (typeof v !== 'number' || !TYPES.has(v)) throw new InvalidInputError('type', 'unknown webhook type');
  return v;
}

export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly db: SqlDriver) {}

  async create(w: WebhookRecord): Promise<WebhookRecord> {
    await this.db.run(
      `INSERT INTO webhooks (id, type, guild_id, channel_id, creator_id, name, avatar, token, application_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id(w.id), webhookType(w.type), id(w.guildId, 'guild_id'), id(w.channelId, 'channel_id'), optId(w.creatorId, 'creator_id'),
        text(w.name, 'webhookName', 'name'), optText(w.avatar, 'shortText', 'avatar'), optText(w.token, 'shortText', 'token'),
        optId(w.applicationId, 'application_id'), int(w.createdAt, 'created_at'),
      ],
      { fk: 'channel' },
    );
    return (await this.get(w.id))!;
  }

  async get(webhookId: Snowflake): Promise<WebhookRecord | null> {
    const row = await this.db.get('SELECT * FROM webhooks WHERE id = ?', [id(webhookId)]);
    return row ? webhookFromRow(row) : null;
  }

  async listByChannel(channelId: Snowflake): Promise<WebhookRecord[]> {
    const rows = await this.db.all('SELECT * FROM webhooks WHERE channel_id = ? ORDER BY id', [id(channelId, 'channel_id')]);
    return rows.map(webhookFromRow);
  }

  async listByGuild(guildId: Snowflake): Promise<WebhookRecord[]> {
    const rows = await this.db.all('SELECT * FROM webhooks WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(webhookFromRow);
  }

  async countByGuild(guildId: Snowflake): Promise<number> {
    const row = await this.db.get('SELECT count(*) AS n FROM webhooks WHERE guild_id = ?', [id(guildId, 'guild_id')]);
    return rn(row?.n ?? 0);
  }

  async update(webhookId: Snowflake, patch: Partial<Pick<WebhookRecord, 'name' | 'avatar' | 'channelId'>>): Promise<WebhookRecord> {
    const key = id(webhookId);
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'webhookName', 'name')],
      avatar: ['avatar', (v) => optText(v, 'shortText', 'avatar')],
      channelId: ['channel_id', (v) => id(v, 'channel_id')],
    });
    if (set.sql) {
      const { changes } = await this.db.run(`UPDATE webhooks SET ${set.sql} WHERE id = ?`, [...set.params, key], { fk: 'channel' });
      if (changes === 0) throw new NotFoundError('webhook', webhookId);
    }
    const webhook = await this.get(webhookId);
    if (!webhook) throw new NotFoundError('webhook', webhookId);
    return webhook;
  }

  async delete(webhookId: Snowflake): Promise<void> {
    const { changes } = await this.db.run('DELETE FROM webhooks WHERE id = ?', [id(webhookId)]);
    if (changes === 0) throw new NotFoundError('webhook', webhookId);
  }
}
