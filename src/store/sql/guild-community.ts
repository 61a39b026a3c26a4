/**
 * A guild's community settings, stored on the guild row (migration 29): the widget (enabled, channel), the vanity
 * invite code with its use count, the welcome screen and the onboarding (migration 47), each a JSON object. Also the
 * joins through a vanity code and member pruning.
 */
import { InvalidInputError } from '../errors.ts';
import type { GuildCommunityStore, GuildRecord, MemberRecord, OnboardingRecord, WelcomeScreenRecord, WithOutbox } from '../types.ts';
import { bucketOf, snowflakeFromTimestamp, type Snowflake } from '../../protocol/snowflake.ts';
import type { Row, SqlDriver, SqlValue } from './driver.ts';
import { insertMember } from './guilds.ts';
import { writeOutbox } from './outbox.ts';
import { bool, chunks, id, ids, int, marks, optId, rb, rj, rn, rs } from './values.ts';

/** The community fields of a guild row, only those set (a guild with none set reads as it did before them). */
export function communityFromRow(r: Row): Pick<GuildRecord, 'widgetEnabled' | 'widgetChannelId' | 'vanityUrlCode' | 'vanityUses' | 'welcomeScreen' | 'onboarding'> {
  const out: Pick<GuildRecord, 'widgetEnabled' | 'widgetChannelId' | 'vanityUrlCode' | 'vanityUses' | 'welcomeScreen' | 'onboarding'> = {};
  if (r.widget_enabled != null && rb(r.widget_enabled)) out.widgetEnabled = true;
  if (r.widget_channel_id != null) out.widgetChannelId = rs(r.widget_channel_id);
  if (r.vanity_url_code != null) {
    out.vanityUrlCode = rs(r.vanity_url_code);
    out.vanityUses = rn(r.vanity_uses ?? 0);
  }
  if (r.welcome_screen != null) out.welcomeScreen = rj<WelcomeScreenRecord | null>(r.welcome_screen, null);
  if (r.onboarding != null) out.onboarding = rj<OnboardingRecord | null>(r.onboarding, null);
  return out;
}

/** A vanity code: 2–32 letters, digits or dashes, stored lower case. */
export function vanityCode(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || !/^[A-Za-z0-9-]{2,32}$/.test(v)) throw new InvalidInputError('vanity_url_code', 'not a vanity code');
  return v.toLowerCase();
}

function welcomeScreen(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const w = v as WelcomeScreenRecord;
  if (typeof w !== 'object' || typeof w.enabled !== 'boolean' || !Array.isArray(w.welcomeChannels) || w.welcomeChannels.length > 5) {
    throw new InvalidInputError('welcome_screen', 'not a welcome screen');
  }
  for (const c of w.welcomeChannels) id(c.channelId, 'welcome_screen.channel_id');
  return JSON.stringify({ enabled: w.enabled, description: w.description ?? null, welcomeChannels: w.welcomeChannels });
}

/** An onboarding as its JSON text; the API validated its contents (ids are checked here). */
function onboarding(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const o = v as OnboardingRecord;
  if (typeof o !== 'object' || typeof o.enabled !== 'boolean' || !Array.isArray(o.prompts) || !Array.isArray(o.defaultChannelIds) || o.prompts.length > 15) {
    throw new InvalidInputError('onboarding', 'not an onboarding');
  }
  ids(o.defaultChannelIds, 'onboarding.default_channel_ids');
  for (const p of o.prompts) {
    id(p.id, 'onboarding.prompt.id');
    for (const opt of p.options) ids([opt.id, ...opt.roleIds, ...opt.channelIds], 'onboarding.option');
  }
  const text = JSON.stringify(o);
  if (text.length > 200_000) throw new InvalidInputError('onboarding', 'too large');
  return text;
}

/** GuildStore.update's columns for the community fields. */
export const COMMUNITY_COLUMNS: { [K in 'widgetEnabled' | 'widgetChannelId' | 'vanityUrlCode' | 'vanityUses' | 'welcomeScreen' | 'onboarding']: [string, (v: any) => SqlValue] } = {
  widgetEnabled: ['widget_enabled', (v) => bool(v, 'widget_enabled')],
  widgetChannelId: ['widget_channel_id', (v) => optId(v, 'widget_channel_id')],
  vanityUrlCode: ['vanity_url_code', vanityCode],
  vanityUses: ['vanity_uses', (v) => int(v, 'vanity_uses')],
  welcomeScreen: ['welcome_screen', welcomeScreen],
  onboarding: ['onboarding', onboarding],
};

export class SqlGuildCommunityStore implements GuildCommunityStore {
  constructor(private readonly db: SqlDriver) {}

  async guildIdByVanityCode(code: string): Promise<Snowflake | null> {
    if (typeof code !== 'string' || !/^[A-Za-z0-9-]{2,32}$/.test(code)) return null;
    const row = await this.db.get('SELECT id FROM guilds WHERE vanity_url_code = ?', [code.toLowerCase()]);
    return row ? rs(row.id) : null;
  }

  async joinByVanity(member: MemberRecord, code: string): Promise<MemberRecord | null> {
    const c = vanityCode(code);
    const g = id(member.guildId, 'guild_id');
    return this.db.transaction(async (tx) => {
      const { changes } = await tx.run('UPDATE guilds SET vanity_uses = vanity_uses + 1 WHERE id = ? AND vanity_url_code = ?', [g, c]);
      if (changes === 0) return null;
      await insertMember(tx, member);
      return member;
    });
  }

  async pruneCandidates(guildId: Snowflake, since: number, includeRoles: readonly Snowflake[]): Promise<Snowflake[]> {
    const g = id(guildId, 'guild_id');
    const cutoff = int(since, 'since');
    const allowed = new Set(ids(includeRoles, 'include_roles').map(String));
    const members = await this.db.all('SELECT user_id FROM members WHERE guild_id = ? AND joined_at < ? ORDER BY user_id', [g, cutoff]);
    if (!members.length) return [];
    // Role holders (other than of the included roles) stay.
    const holders = new Set<string>();
    for (const r of await this.db.all('SELECT user_id, role_id FROM member_roles WHERE guild_id = ?', [g])) {
      if (!allowed.has(rs(r.role_id))) holders.add(rs(r.user_id));
    }
    // Members who posted since the cutoff stay; bucket >= … keeps the scan to the recent partitions.
    const floor = snowflakeFromTimestamp(cutoff);
    const active = new Set<string>();
    const rows = await this.db.all(
      `SELECT DISTINCT author_id FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = ?) AND bucket >= ? AND id >= ?`,
      [g, bucketOf(floor), BigInt(floor)],
    );
    for (const r of rows) active.add(rs(r.author_id));
    const owner = await this.db.get('SELECT owner_id FROM guilds WHERE id = ?', [g]);
    const ownerId = owner ? rs(owner.owner_id) : '';
    return members.map((m) => rs(m.user_id)).filter((u) => u !== ownerId && !holders.has(u) && !active.has(u));
  }

  async removeMembers(guildId: Snowflake, userIds: readonly Snowflake[], opts?: WithOutbox<Snowflake[]>): Promise<Snowflake[]> {
    const g = id(guildId, 'guild_id');
    const wanted = ids(userIds, 'user_id');
    const run = async (tx: SqlDriver) => {
      const removed: Snowflake[] = [];
      for (const chunk of chunks(wanted)) {
        const rows = await tx.all(`DELETE FROM members WHERE guild_id = ? AND user_id IN (${marks(chunk.length)}) RETURNING user_id`, [g, ...chunk]);
        for (const r of rows) removed.push(rs(r.user_id));
      }
      // Their roles go with them (member_roles cascades).
      if (removed.length) await writeOutbox(tx, opts, removed);
      return removed;
    };
    return this.db.transaction(run);
  }
}
