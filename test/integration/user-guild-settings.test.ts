/**
 * Issue #16: notification settings, Discord's user guild settings. PATCH /users/@me/guilds/{guild.id}/settings
 * (`@me` for DMs) validates each field (50035), answers 10004 for a guild the caller is not in, merges channel
 * overrides, and announces the whole object to every session of the user; READY lists the user's settings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from './gateway-client.ts';
import { makeBot } from './fixtures.guilds.ts';
import { assertError, guildFixture, textChannel } from './fixtures.messages.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const settings = (user: TestUser, guildId: string, body: unknown) =>
  t.request('PATCH', `/users/@me/guilds/${guildId}/settings`, { auth: user, body });

async function ready(user: TestUser): Promise<any> {
  const c = await GatewayClient.connect(t.url);
  try {
    return await c.identify(user.token);
  } finally {
    await c.close();
  }
}

describe('PATCH /users/@me/guilds/{guild.id}/settings', () => {
  test('answers the whole settings object in Discord shape and bumps the version', async () => {
    const f = await guildFixture(t);
    const first = await settings(f.member, f.guild.id, { message_notifications: 1, suppress_everyone: true });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, {
      guild_id: f.guild.id, message_notifications: 1, suppress_everyone: true, suppress_roles: false, muted: false,
      mute_config: null, mobile_push: true, hide_muted_channels: false, channel_overrides: [], version: 1,
      notify_highlights: 0, mute_scheduled_events: false, flags: 0,
    });
    const end = new Date(Date.now() + 3600_000).toISOString();
    const second = await settings(f.member, f.guild.id, { muted: true, mute_config: { selected_time_window: 3600, end_time: end } });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.version, 2);
    assert.equal(second.body.muted, true);
    assert.deepEqual(second.body.mute_config, { selected_time_window: 3600, end_time: end });
    // Fields not sent keep their values.
    assert.equal(second.body.message_notifications, 1);
    assert.equal(second.body.suppress_everyone, true);

    const unmuted = await settings(f.member, f.guild.id, { muted: false });
    assert.equal(unmuted.body.muted, false);
    assert.equal(unmuted.body.mute_config, null);
    // 3 returns to the guild's default.
    assert.equal((await settings(f.member, f.guild.id, { message_notifications: 3 })).body.message_notifications, 3);
  });

  test('validates each field with 50035 and names it', async () => {
    const f = await guildFixture(t);
    const cases: Array<[unknown, string[]]> = [
      [{ message_notifications: 4 }, ['message_notifications']],
      [{ message_notifications: 'all' }, ['message_notifications']],
      [{ suppress_roles: 'yes' }, ['suppress_roles']],
      [{ mute_config: { selected_time_window: 60, end_time: 'tomorrow' } }, ['mute_config', 'end_time']],
      [{ channel_overrides: { [f.channel.id]: { message_notifications: 9 } } }, ['channel_overrides', f.channel.id, 'message_notifications']],
      [{ channel_overrides: { [f.channel.id]: { muted: 1 } } }, ['channel_overrides', f.channel.id, 'muted']],
    ];
    for (const [body, path] of cases) {
      const res = await settings(f.member, f.guild.id, body);
      assertError(res, 400, 50035);
      let node = res.body.errors;
      for (const key of path) node = node?.[key];
      assert.ok(node?._errors?.length, `${JSON.stringify(body)} → ${JSON.stringify(res.body.errors)}`);
    }
    // A channel of another guild is refused, and nothing was stored.
    const other = await guildFixture(t);
    const res = await settings(f.member, f.guild.id, { channel_overrides: { [other.channel.id]: { muted: true } } });
    assertError(res, 400, 50035);
    assert.ok(res.body.errors.channel_overrides[other.channel.id]._errors.length);
    assert.equal((await t.store.userGuildSettings.get(f.member.id, f.guild.id)).version, 0);
  });

  test('10004 for an unknown guild and for a guild the caller is not in; bots cannot use it', async () => {
    const f = await guildFixture(t);
    assertError(await settings(f.stranger, f.guild.id, { muted: true }), 404, 10004);
    assertError(await settings(f.member, '123456789012345678', { muted: true }), 404, 10004);
    assertError(await settings(f.member, 'nope', { muted: true }), 400, 50035);
    const { bot } = await makeBot(t, f.owner);
    const res = await settings(bot, f.guild.id, { muted: true });
    assert.equal(res.status, 403, JSON.stringify(res.body));
  });

  test('channel overrides merge into the existing ones field by field, as an array in the answer', async () => {
    const f = await guildFixture(t);
    const second = await textChannel(t, f.owner, f.guild.id, { name: 'second' });
    const a = await settings(f.member, f.guild.id, { channel_overrides: { [f.channel.id]: { message_notifications: 2 } } });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body.channel_overrides, [{ channel_id: f.channel.id, message_notifications: 2, muted: false, mute_config: null, collapsed: false }]);

    const b = await settings(f.member, f.guild.id, {
      channel_overrides: {
        [f.channel.id]: { muted: true, mute_config: { selected_time_window: -1, end_time: null } },
        [second.id]: { channel_id: second.id, collapsed: true },
      },
    });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const byId = new Map(b.body.channel_overrides.map((o: any) => [o.channel_id, o]));
    assert.deepEqual(byId.get(f.channel.id), {
      channel_id: f.channel.id, message_notifications: 2, muted: true, mute_config: { selected_time_window: -1, end_time: null }, collapsed: false,
    });
    assert.deepEqual(byId.get(second.id), { channel_id: second.id, message_notifications: 3, muted: false, mute_config: null, collapsed: true });

    // A PATCH without channel_overrides keeps them.
    const c = await settings(f.member, f.guild.id, { suppress_roles: true });
    assert.equal(c.body.channel_overrides.length, 2);
  });

  test('concurrent PATCHes of different channels all keep their override', async () => {
    const f = await guildFixture(t);
    const channels = [f.channel];
    for (let i = 0; i < 5; i++) channels.push(await textChannel(t, f.owner, f.guild.id, { name: `c${i}` }));
    const results = await Promise.all(channels.map((c) => settings(f.member, f.guild.id, { channel_overrides: { [c.id]: { muted: true } } })));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const stored = await t.store.userGuildSettings.get(f.member.id, f.guild.id);
    assert.deepEqual(stored.channelOverrides.map((o) => o.channelId).sort(), channels.map((c) => c.id).sort());
    assert.equal(stored.version, channels.length);
  });

  test('DM settings (@me) take overrides of the caller\'s private channels only', async () => {
    const f = await guildFixture(t);
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.member, body: { recipient_id: f.owner.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const res = await settings(f.member, '@me', { message_notifications: 2, channel_overrides: { [dm.body.id]: { muted: true } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.guild_id, null);
    assert.equal(res.body.message_notifications, 2);
    assert.deepEqual(res.body.channel_overrides.map((o: any) => [o.channel_id, o.muted]), [[dm.body.id, true]]);
    assertError(await settings(f.member, '@me', { channel_overrides: { [f.channel.id]: { muted: true } } }), 400, 50035);
    assertError(await settings(f.stranger, '@me', { channel_overrides: { [dm.body.id]: { muted: true } } }), 400, 50035);
  });
});

describe('gateway', () => {
  test('READY lists the user\'s settings (their guilds and DMs); a new user has none', async () => {
    const f = await guildFixture(t);
    const fresh = await ready(f.member);
    assert.deepEqual(fresh.user_guild_settings, { entries: [], partial: false, version: 0 });

    await settings(f.member, f.guild.id, { muted: true });
    await settings(f.member, f.guild.id, { suppress_everyone: true });
    await settings(f.member, '@me', { message_notifications: 1 });
    const r = await ready(f.member);
    assert.equal(r.user_guild_settings.partial, false);
    assert.equal(r.user_guild_settings.version, 2);
    const byGuild = new Map(r.user_guild_settings.entries.map((e: any) => [e.guild_id, e]));
    assert.equal(byGuild.size, 2);
    assert.equal((byGuild.get(f.guild.id) as any).muted, true);
    assert.equal((byGuild.get(f.guild.id) as any).suppress_everyone, true);
    assert.equal((byGuild.get(null) as any).message_notifications, 1);

    // Bots' READY has none (Discord sends user_guild_settings to user accounts only).
    const { bot } = await makeBot(t, f.owner);
    const c = await GatewayClient.connect(t.url);
    try {
      const botReady = await c.identify(bot.token, { intents: 1 });
      assert.equal(botReady.user_guild_settings, undefined);
    } finally {
      await c.close();
    }

    // After leaving, the guild's settings are not listed.
    assert.equal((await t.request('DELETE', `/users/@me/guilds/${f.guild.id}`, { auth: f.member })).status, 204);
    const left = await ready(f.member);
    assert.deepEqual(left.user_guild_settings.entries.map((e: any) => e.guild_id), [null]);
  });

  test('a change reaches every session of the user as USER_GUILD_SETTINGS_UPDATE, and no one else', async () => {
    const f = await guildFixture(t);
    const mine = await GatewayClient.connect(t.url);
    const other = await GatewayClient.connect(t.url);
    const owner = await GatewayClient.connect(t.url);
    try {
      await mine.identify(f.member.token);
      await other.identify(f.member.token);
      await owner.identify(f.owner.token);
      const res = await settings(f.member, f.guild.id, { suppress_roles: true, channel_overrides: { [f.channel.id]: { message_notifications: 1 } } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const got = await other.waitForDispatch('USER_GUILD_SETTINGS_UPDATE');
      assert.deepEqual(got.d, res.body);
      assert.deepEqual((await mine.waitForDispatch('USER_GUILD_SETTINGS_UPDATE')).d, res.body);
      // The owner's session got the PATCH's guild traffic (none) but not the member's settings: a later event of
      // the owner's own arrives first.
      const own = await settings(f.owner, f.guild.id, { muted: true });
      const ownEvent = await owner.waitForDispatch('USER_GUILD_SETTINGS_UPDATE');
      assert.deepEqual(ownEvent.d, own.body);
      assert.equal(owner.dispatches('USER_GUILD_SETTINGS_UPDATE').length, 1);
    } finally {
      await Promise.all([mine.close(), other.close(), owner.close()]);
    }
  });
});

describe('the guild default', () => {
  test('default_message_notifications is on the guild and editable', async () => {
    const f = await guildFixture(t);
    const res = await t.request('PATCH', `/guilds/${f.guild.id}`, { auth: f.owner, body: { default_message_notifications: 1 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.default_message_notifications, 1);
  });
});
