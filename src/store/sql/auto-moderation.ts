/** Auto moderation rules (types.ts AutoModerationStore, migration 35). */
import type { AutoModAction, AutoModerationStore, AutoModRuleRecord, AutoModTriggerMetadata } from '../types.ts';
import type { Snowflake } from '../../protocol/snowflake.ts';
import type { Row } from './driver.ts';
import type { SqlDriver } from './driver.ts';
import { bool, id, ids, int, json, jsonArray, rb, rj, rn, rs, setClause, text } from './values.ts';

function ruleFromRow(r: Row): AutoModRuleRecord {
  return {
    id: rs(r.id),
    guildId: rs(r.guild_id),
    name: rs(r.name),
    creatorId: rs(r.creator_id),
    eventType: rn(r.event_type),
    triggerType: rn(r.trigger_type),
    triggerMetadata: rj<AutoModTriggerMetadata>(r.trigger_metadata, {}),
    actions: rj<AutoModAction[]>(r.actions, []),
    enabled: rb(r.enabled),
    exemptRoles: rj<string[]>(r.exempt_roles, []),
    exemptChannels: rj<string[]>(r.exempt_channels, []),
  };
}

/** Exempt ids stored as a JSON list of decimal strings, each checked as a snowflake first. */
const idList = (values: readonly string[], field: string): string => {
  ids(values, field);
  return jsonArray(values, field);
};

export class SqlAutoModerationStore implements AutoModerationStore {
  constructor(private readonly db: SqlDriver) {}

  async create(rule: AutoModRuleRecord): Promise<AutoModRuleRecord> {
    await this.db.run(
      `INSERT INTO auto_moderation_rules (id, guild_id, name, creator_id, event_type, trigger_type, trigger_metadata, actions, enabled, exempt_roles, exempt_channels)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id(rule.id), id(rule.guildId, 'guild_id'), text(rule.name, 'autoModRuleName', 'name'), id(rule.creatorId, 'creator_id'),
        int(rule.eventType, 'event_type'), int(rule.triggerType, 'trigger_type'), json(rule.triggerMetadata, 'trigger_metadata'),
        jsonArray(rule.actions, 'actions'), bool(rule.enabled, 'enabled'), idList(rule.exemptRoles, 'exempt_roles'), idList(rule.exemptChannels, 'exempt_channels'),
      ],
      { fk: 'guild' },
    );
    return (await this.get(rule.guildId, rule.id))!;
  }

  async get(guildId: Snowflake, ruleId: Snowflake): Promise<AutoModRuleRecord | null> {
    const row = await this.db.get('SELECT * FROM auto_moderation_rules WHERE id = ? AND guild_id = ?', [id(ruleId), id(guildId, 'guild_id')]);
    return row ? ruleFromRow(row) : null;
  }

  async listByGuild(guildId: Snowflake): Promise<AutoModRuleRecord[]> {
    const rows = await this.db.all('SELECT * FROM auto_moderation_rules WHERE guild_id = ? ORDER BY id', [id(guildId, 'guild_id')]);
    return rows.map(ruleFromRow);
  }

  async update(guildId: Snowflake, ruleId: Snowflake, patch: Partial<Omit<AutoModRuleRecord, 'id' | 'guildId' | 'creatorId' | 'triggerType'>>): Promise<AutoModRuleRecord | null> {
    const set = setClause(patch, {
      name: ['name', (v) => text(v, 'autoModRuleName', 'name')],
      eventType: ['event_type', (v) => int(v, 'event_type')],
      triggerMetadata: ['trigger_metadata', (v) => json(v, 'trigger_metadata')],
      actions: ['actions', (v) => jsonArray(v, 'actions')],
      enabled: ['enabled', (v) => bool(v, 'enabled')],
      exemptRoles: ['exempt_roles', (v) => idList(v ?? [], 'exempt_roles')],
      exemptChannels: ['exempt_channels', (v) => idList(v ?? [], 'exempt_channels')],
    });
    if (set.sql) await this.db.run(`UPDATE auto_moderation_rules SET ${set.sql} WHERE id = ? AND guild_id = ?`, [...set.params, id(ruleId), id(guildId, 'guild_id')]);
    return this.get(guildId, ruleId);
  }

  async delete(guildId: Snowflake, ruleId: Snowflake): Promise<boolean> {
    const { changes } = await this.db.run('DELETE FROM auto_moderation_rules WHERE id = ? AND guild_id = ?', [id(ruleId), id(guildId, 'guild_id')]);
    return changes > 0;
  }
}
