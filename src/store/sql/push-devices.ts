/** Push devices and push deliveries (types.ts PushDeviceStore, PushDeliveryStore; migrations 17, 18). */
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { PushDeliveryOutcome, PushDeliveryRecord, PushDeliveryState, PushDeliveryStore, PushDeliveryUrgency, PushDeviceInput, PushDeviceRecord, PushDeviceStore } from '../types.ts';
import type { Row, SqlDriver } from './driver.ts';
import { bool, chunks, id, ids, int, marks, optText, rb, rn, rs, text } from './values.ts';

function deviceFromRow(r: Row): PushDeviceRecord {
  return {
    id: rs(r.id), userId: rs(r.user_id), tokenHash: rs(r.token_hash), provider: 'webpush', endpoint: rs(r.endpoint), p256dh: rs(r.p256dh),
    auth: rs(r.auth), deviceName: r.device_name === null || r.device_name === undefined ? null : rs(r.device_name), preview: rb(r.preview), createdAt: rn(r.created_at), updatedAt: rn(r.updated_at),
  };
}

export class SqlPushDeviceStore implements PushDeviceStore {
  constructor(private readonly db: SqlDriver) {}

  async put(d: PushDeviceInput): Promise<PushDeviceRecord> {
    // The preview choice belongs to the browser: registering it again without one keeps it.
    const row = await this.db.get(
      `INSERT INTO push_devices (id, user_id, token_hash, provider, endpoint, p256dh, auth, device_name, created_at, updated_at, preview)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, endpoint) DO UPDATE SET user_id = excluded.user_id, token_hash = excluded.token_hash, p256dh = excluded.p256dh,
         auth = excluded.auth, device_name = excluded.device_name, updated_at = excluded.updated_at,
         preview = CASE WHEN ? = 1 THEN excluded.preview ELSE push_devices.preview END
       RETURNING *`,
      [
        id(d.id), id(d.userId, 'user_id'), text(d.tokenHash, 'shortText', 'token_hash'), text(d.provider, 'shortText', 'provider'),
        text(d.endpoint, 'pushEndpoint', 'endpoint'), text(d.p256dh, 'shortText', 'p256dh'), text(d.auth, 'shortText', 'auth'),
        optText(d.deviceName, 'shortText', 'device_name'), int(d.createdAt, 'created_at'), int(d.updatedAt, 'updated_at'),
        d.preview === undefined ? 1 : bool(d.preview, 'preview'), d.preview === undefined ? 0 : 1,
      ],
      { fk: 'token' },
    );
    return deviceFromRow(row!);
  }

  async setPreview(userId: Snowflake, deviceId: Snowflake, preview: boolean): Promise<PushDeviceRecord | null> {
    const row = await this.db.get('UPDATE push_devices SET preview = ? WHERE id = ? AND user_id = ? RETURNING *', [bool(preview, 'preview'), id(deviceId), id(userId, 'user_id')]);
    return row ? deviceFromRow(row) : null;
  }

  async listForUser(userId: Snowflake): Promise<PushDeviceRecord[]> {
    return (await this.db.all('SELECT * FROM push_devices WHERE user_id = ? ORDER BY id', [id(userId, 'user_id')])).map(deviceFromRow);
  }

  async listForUsers(userIds: readonly Snowflake[]): Promise<PushDeviceRecord[]> {
    const out: PushDeviceRecord[] = [];
    for (const chunk of chunks([...new Set(userIds)], 400)) {
      const rows = await this.db.all(`SELECT * FROM push_devices WHERE user_id IN (${marks(chunk.length)}) ORDER BY id`, ids(chunk, 'user_id'));
      out.push(...rows.map(deviceFromRow));
    }
    return out;
  }

  async listForGuildMembers(guildId: Snowflake): Promise<PushDeviceRecord[]> {
    const rows = await this.db.all('SELECT d.* FROM push_devices d JOIN members m ON m.user_id = d.user_id WHERE m.guild_id = ? ORDER BY d.id', [id(guildId, 'guild_id')]);
    return rows.map(deviceFromRow);
  }

  async get(deviceId: Snowflake): Promise<PushDeviceRecord | null> {
    const row = await this.db.get('SELECT * FROM push_devices WHERE id = ?', [id(deviceId)]);
    return row ? deviceFromRow(row) : null;
  }

  async getMany(deviceIds: readonly Snowflake[]): Promise<PushDeviceRecord[]> {
    const out: PushDeviceRecord[] = [];
    for (const chunk of chunks([...new Set(deviceIds)], 400)) {
      out.push(...(await this.db.all(`SELECT * FROM push_devices WHERE id IN (${marks(chunk.length)})`, ids(chunk, 'id'))).map(deviceFromRow));
    }
    return out;
  }

  async delete(userId: Snowflake, deviceId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM push_devices WHERE id = ? AND user_id = ?', [id(deviceId), id(userId, 'user_id')]);
    return changes > 0;
  }

  async deleteById(deviceId: Snowflake): Promise<void> {
    await this.db.run('DELETE FROM push_devices WHERE id = ?', [id(deviceId)]);
  }
}

function deliveryFromRow(r: Row): PushDeliveryRecord {
  return {
    messageId: rs(r.message_id), userId: rs(r.user_id), deviceId: rs(r.device_id), channelId: rs(r.channel_id), payload: rs(r.payload),
    urgency: URGENCIES.has(rs(r.urgency)) ? (rs(r.urgency) as PushDeliveryUrgency) : 'normal', state: rs(r.state) as PushDeliveryState, attempts: rn(r.attempts), nextAttemptAt: rn(r.next_attempt_at), createdAt: rn(r.created_at),
  };
}

const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);
const KEY = 'message_id = ? AND user_id = ? AND device_id = ?';
const key = (d: Pick<PushDeliveryRecord, 'messageId' | 'userId' | 'deviceId'>) => [id(d.messageId, 'message_id'), id(d.userId, 'user_id'), id(d.deviceId, 'device_id')];

export class SqlPushDeliveryStore implements PushDeliveryStore {
  constructor(private readonly db: SqlDriver) {}

  async enqueue(deliveries: readonly PushDeliveryRecord[]): Promise<number> {
    let added = 0;
    for (const chunk of chunks([...deliveries], 100)) {
      const { changes } = await this.db.run(
        `INSERT INTO push_deliveries (message_id, user_id, device_id, channel_id, payload, urgency, state, attempts, next_attempt_at, created_at)
           VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (message_id, user_id, device_id) DO NOTHING`,
        chunk.flatMap((d) => [...key(d), id(d.channelId, 'channel_id'), String(d.payload), URGENCIES.has(String(d.urgency)) ? String(d.urgency) : 'normal', d.state, int(d.attempts, 'attempts'), int(d.nextAttemptAt, 'next_attempt_at'), int(d.createdAt, 'created_at')]),
      );
      added += changes;
    }
    return added;
  }

  async due(now: number, limit: number): Promise<PushDeliveryRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM push_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, message_id LIMIT ?`,
      [int(Math.floor(now), 'now'), int(limit, 'limit')],
    );
    return rows.map(deliveryFromRow);
  }

  async claim(d: PushDeliveryRecord, leaseUntil: number): Promise<boolean> {
    return (await this.claimMany([d], leaseUntil)).length > 0;
  }

  async claimMany(deliveries: readonly PushDeliveryRecord[], leaseUntil: number): Promise<PushDeliveryRecord[]> {
    const got = new Set<string>();
    for (const chunk of chunks([...deliveries], 100)) {
      // Each row only as it was read (attempts and next_attempt_at unchanged): another node's claim wins.
      const rows = await this.db.all(
        `UPDATE push_deliveries SET next_attempt_at = ? WHERE state = 'pending' AND (${chunk.map(() => `(${KEY} AND attempts = ? AND next_attempt_at = ?)`).join(' OR ')})
         RETURNING message_id, user_id, device_id`,
        [int(Math.floor(leaseUntil), 'lease_until'), ...chunk.flatMap((d) => [...key(d), int(d.attempts, 'attempts'), int(d.nextAttemptAt, 'next_attempt_at')])],
      );
      for (const r of rows) got.add(`${rs(r.message_id)} ${rs(r.user_id)} ${rs(r.device_id)}`);
    }
    return deliveries.filter((d) => got.has(`${d.messageId} ${d.userId} ${d.deviceId}`));
  }

  async settle(outcome: PushDeliveryOutcome): Promise<boolean> {
    return (await this.settleMany([outcome])) > 0;
  }

  async settleMany(outcomes: readonly PushDeliveryOutcome[]): Promise<number> {
    if (!outcomes.length) return 0;
    // Outcomes alike (the same state, attempts and time: most of a batch) share one statement.
    const groups = new Map<string, PushDeliveryOutcome[]>();
    for (const o of outcomes) {
      const k = `${o.state} ${o.attempts} ${Math.floor(o.nextAttemptAt)}`;
      const g = groups.get(k);
      if (g) g.push(o);
      else groups.set(k, [o]);
    }
    const write = async (db: SqlDriver) => {
      let settled = 0;
      for (const group of groups.values()) {
        const { state, attempts, nextAttemptAt } = group[0]!;
        for (const chunk of chunks(group, 100)) {
          // Each row only as its claim left it (claimMany: attempts kept, next_attempt_at = the lease): a lapsed
          // claim, since taken again or settled by another node, changes nothing.
          const { changes } = await db.run(
            `UPDATE push_deliveries SET state = ?, attempts = ?, next_attempt_at = ?
              WHERE state = 'pending' AND (${chunk.map(() => `(${KEY} AND attempts = ? AND next_attempt_at = ?)`).join(' OR ')})`,
            [
              state, int(attempts, 'attempts'), int(Math.floor(nextAttemptAt), 'next_attempt_at'),
              ...chunk.flatMap((o) => [...key(o.delivery), int(o.delivery.attempts, 'attempts'), int(Math.floor(o.leaseUntil), 'lease_until')]),
            ],
          );
          settled += changes;
        }
      }
      return settled;
    };
    return groups.size === 1 && outcomes.length <= 100 ? write(this.db) : this.db.transaction(write);
  }

  async prune(before: number): Promise<number> {
    const { changes } = await this.db.run(`DELETE FROM push_deliveries WHERE state <> 'pending' AND created_at < ?`, [int(Math.floor(before), 'before')]);
    return changes;
  }
}
