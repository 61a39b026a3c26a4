/**
 * Set-up helpers for the channel-area route tests (channels, invites, messages, reactions, pins).
 * Members join through the real invite routes (t.join), so these suites exercise them too.
 */
import assert from 'node:assert/strict';
import type { TestServer, TestUser } from '../helpers/harness.ts';

export interface GuildFixture {
  owner: TestUser;
  member: TestUser;
  stranger: TestUser;
  guild: any;
  /** The guild's first text channel. */
  channel: any;
}

export async function guildFixture(t: TestServer): Promise<GuildFixture> {
  const owner = await t.register();
  const member = await t.register();
  const stranger = await t.register();
  const guild = await t.createGuild(owner);
  await t.join(owner, guild.id, member);
  const channels = await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner });
  const channel = channels.body.find((c: any) => c.type === 0);
  return { owner, member, stranger, guild, channel };
}

export async function textChannel(t: TestServer, owner: TestUser, guildId: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await t.request('POST', `/guilds/${guildId}/channels`, { auth: owner, body: { name: 'extra', type: 0, ...body } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

export async function send(t: TestServer, user: TestUser, channelId: string, body: Record<string, unknown> | string): Promise<any> {
  const res = await t.request('POST', `/channels/${channelId}/messages`, { auth: user, body: typeof body === 'string' ? { content: body } : body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Puts a channel overwrite for a member (owner call). */
export async function overwrite(t: TestServer, owner: TestUser, channelId: string, targetId: string, type: 0 | 1, allow: bigint, deny: bigint): Promise<void> {
  const res = await t.request('PUT', `/channels/${channelId}/permissions/${targetId}`, { auth: owner, body: { type, allow: allow.toString(), deny: deny.toString() } });
  assert.equal(res.status, 204, JSON.stringify(res.body));
}

export function assertError(res: { status: number; body: any }, status: number, code: number): void {
  assert.equal(res.status, status, `expected ${status}/${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, JSON.stringify(res.body));
}

/** Keys a message object must never carry as null (client libraries crash on them). */
export function assertNoNullOptionals(m: any): void {
  for (const key of ['thread', 'components', 'reactions', 'nonce', 'message_reference', 'position', 'sticker_items', 'webhook_id', 'application_id']) {
    assert.notEqual(m[key], null, `${key} must be omitted, not null`);
  }
}
