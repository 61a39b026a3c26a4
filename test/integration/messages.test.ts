import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { snowflakeFromTimestamp } from '../../src/protocol/snowflake.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { assertError, assertNoNullOptionals, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

describe('POST /channels/{id}/messages', () => {
  test('stores the message, answers with Discord’s shape and publishes MESSAGE_CREATE with member', async () => {
    const from = t.events.length;
    const res = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body: { content: 'hello', nonce: 'n-1' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body;
    assert.equal(m.content, 'hello');
    assert.equal(m.channel_id, f.channel.id);
    assert.equal(m.author.id, f.member.id);
    assert.equal(m.type, 0);
    assert.equal(m.nonce, 'n-1');
    assert.equal(m.edited_timestamp, null);
    assert.deepEqual(m.components, []);
    assert.deepEqual(m.mentions, []);
    assert.equal(m.pinned, false);
    assert.ok(!('thread' in m) && !('reactions' in m) && !('guild_id' in m) && !('member' in m));
    assert.ok(Date.parse(m.timestamp) > 0);
    assertNoNullOptionals(m);

    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === m.id, from);
    assert.equal(ev.guildId, f.guild.id);
    assert.equal(ev.channelId, f.channel.id);
    assert.equal(ev.d.guild_id, f.guild.id);
    assert.equal(ev.d.nonce, 'n-1');
    assert.ok(ev.d.member && !ev.d.member.user, 'member without user');

    const got = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner });
    assert.equal(got.status, 200);
    assert.equal(got.body.content, 'hello');
    assert.ok(!('nonce' in got.body));
  });

  test('integer nonces are echoed as integers', async () => {
    const m = await send(t, f.member, f.channel.id, { content: 'int nonce', nonce: 12345 });
    assert.equal(m.nonce, 12345);
  });

  test('empty message → 50006; too long → 50035; bad nonce → 50035', async () => {
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body: {} }), 400, 50006);
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body: { content: '   ' } }), 400, 50006);
    const long = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body: { content: 'x'.repeat(2001) } });
    assertError(long, 400, 50035);
    assert.ok(long.body.errors.content);
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body: { content: 'a', nonce: 'x'.repeat(26) } }), 400, 50035);
  });

  test('a stranger gets 50001, an unknown channel 10003, no token 401', async () => {
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.stranger, body: { content: 'hi' } }), 403, 50001);
    assertError(await t.request('POST', `/channels/123456789012345678/messages`, { auth: f.member, body: { content: 'hi' } }), 404, 10003);
    assert.equal((await t.request('POST', `/channels/${f.channel.id}/messages`, { body: { content: 'hi' } })).status, 401);
  });

  test('without SEND_MESSAGES → 50013; in a category → 50008', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'read-only' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.SEND_MESSAGES);
    assertError(await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body: { content: 'hi' } }), 403, 50013);
    const cat = await t.request('POST', `/guilds/${f.guild.id}/channels`, { auth: f.owner, body: { name: 'cat', type: 4 } });
    assertError(await t.request('POST', `/channels/${cat.body.id}/messages`, { auth: f.owner, body: { content: 'hi' } }), 400, 50008);
  });

  test('tts needs SEND_TTS_MESSAGES; unknown flags are dropped', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'tts' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.SEND_TTS_MESSAGES);
    assert.equal((await send(t, f.member, ch.id, { content: 'speak', tts: true })).tts, false);
    assert.equal((await send(t, f.owner, ch.id, { content: 'speak', tts: true })).tts, true);
    assert.equal((await send(t, f.owner, ch.id, { content: 'quiet', flags: (1 << 12) | (1 << 1) })).flags, 1 << 12);
  });
});

describe('embeds', () => {
  test('a rich embed is stored with type rich and client-only fields dropped', async () => {
    const embed = {
      title: 'T', description: 'D', url: 'https://example.com', color: 0x00ff00, timestamp: '2024-01-02T03:04:05Z', type: 'video',
      footer: { text: 'foot' }, author: { name: 'me' }, fields: [{ name: 'a', value: 'b', inline: true }], provider: { name: 'x' },
      image: { url: 'https://example.com/a.png', width: 5 },
    };
    const m = await send(t, f.member, f.channel.id, { embeds: [embed] });
    assert.equal(m.content, '');
    assert.equal(m.embeds.length, 1);
    const e = m.embeds[0];
    assert.equal(e.type, 'rich');
    assert.equal(e.title, 'T');
    assert.equal(e.timestamp, '2024-01-02T03:04:05.000Z');
    assert.deepEqual(e.image, { url: 'https://example.com/a.png' });
    assert.ok(!('provider' in e));
  });

  test('Discord’s limits → 50035', async () => {
    const bad = [
      { embeds: [{ title: 'x'.repeat(257) }] },
      { embeds: [{ description: 'x'.repeat(4097) }] },
      { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'a', value: 'b' })) }] },
      { embeds: [{ fields: [{ name: 'a', value: 'x'.repeat(1025) }] }] },
      { embeds: [{ footer: { text: 'x'.repeat(2049) } }] },
      { embeds: [{ url: 'ftp://example.com' }] },
      { embeds: [{ color: 0x1000000 }] },
      { embeds: [{ timestamp: 'yesterday' }] },
      { embeds: Array.from({ length: 11 }, () => ({ title: 'a' })) },
      { embeds: [{ description: 'x'.repeat(4000) }, { description: 'x'.repeat(2001) }] },
    ];
    for (const body of bad) assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body }), 400, 50035);
  });
});

describe('enforce_nonce', () => {
  test('concurrent identical sends store one message and all return it', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'nonce' });
    const body = { content: 'once', nonce: 'retry-1', enforce_nonce: true };
    const results = await Promise.all(Array.from({ length: 6 }, () => t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body })));
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const ids = new Set(results.map((r) => r.body.id));
    assert.equal(ids.size, 1);
    assert.equal(results[0]!.body.nonce, 'retry-1');
    const later = await send(t, f.member, ch.id, body);
    assert.equal(later.id, results[0]!.body.id);
    const list = await t.request('GET', `/channels/${ch.id}/messages`, { auth: f.member });
    assert.equal(list.body.length, 1);
    assert.equal(t.events.filter((e) => e.t === 'MESSAGE_CREATE' && e.d.channel_id === ch.id).length, 1);
  });

  test('without enforce_nonce the same nonce stores twice; another author is not deduplicated', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'nonce2' });
    const a = await send(t, f.member, ch.id, { content: 'x', nonce: 'same' });
    const b = await send(t, f.member, ch.id, { content: 'x', nonce: 'same' });
    assert.notEqual(a.id, b.id);
    const c = await send(t, f.member, ch.id, { content: 'x', nonce: 'n', enforce_nonce: true });
    const d = await send(t, f.owner, ch.id, { content: 'x', nonce: 'n', enforce_nonce: true });
    assert.notEqual(c.id, d.id);
  });
});

/** A store whose message reads and writes take a few ms, so concurrent requests really interleave. */
function slowMessageStore(base: Store): Store {
  const delay = () => new Promise((r) => setTimeout(r, 15));
  const messages = new Proxy(base.messages, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const bound = v.bind(target);
      return prop === 'findByNonce' || prop === 'create' ? async (...args: unknown[]) => (await delay(), bound(...args)) : bound;
    },
  });
  return new Proxy(base, {
    get(target, prop) {
      if (prop === 'messages') return messages;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('enforce_nonce against a slow store', () => {
  test('interleaved identical sends still store one message', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'accord-slow-'));
    const base = await openStore({ dataDir: dir });
    const slow = await startTestServer({}, { store: slowMessageStore(base) });
    try {
      const g = await guildFixture(slow);
      const body = { content: 'once', nonce: 'slow-retry', enforce_nonce: true };
      const results = await Promise.all(Array.from({ length: 5 }, () => slow.request('POST', `/channels/${g.channel.id}/messages`, { auth: g.member, body })));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      const list = await slow.request('GET', `/channels/${g.channel.id}/messages`, { auth: g.member });
      // The member's join message is there too (type 7); the send is stored once.
      assert.deepEqual(list.body.filter((m: any) => m.type !== 7).map((m: any) => m.content), ['once']);
      // Different nonces are not serialised behind each other's lock and both store.
      const [a, b] = await Promise.all(['n-a', 'n-b'].map((nonce) => slow.request('POST', `/channels/${g.channel.id}/messages`, { auth: g.member, body: { content: 'x', nonce, enforce_nonce: true } })));
      assert.notEqual(a!.body.id, b!.body.id);
    } finally {
      await slow.close();
      await base.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('slowmode', () => {
  test('a second send inside the window → 429 20016 with retry_after; moderators bypass', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'slow' });
    const patched = await t.request('PATCH', `/channels/${ch.id}`, { auth: f.owner, body: { rate_limit_per_user: 60 } });
    assert.equal(patched.status, 200);
    await send(t, f.member, ch.id, 'first');
    const second = await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body: { content: 'second' } });
    assertError(second, 429, 20016);
    assert.ok(second.body.retry_after > 0 && second.body.retry_after <= 60, JSON.stringify(second.body));
    await send(t, f.owner, ch.id, 'mod 1');
    await send(t, f.owner, ch.id, 'mod 2');
    // A failed send (empty) does not use up the window.
    const ch2 = await textChannel(t, f.owner, f.guild.id, { name: 'slow2', rate_limit_per_user: 60 });
    assert.equal((await t.request('POST', `/channels/${ch2.id}/messages`, { auth: f.member, body: { content: '' } })).status, 400);
    await send(t, f.member, ch2.id, 'now');
  });
});

describe('replies', () => {
  test('a reply is type 19 with message_reference, referenced_message and a ping of the replied author', async () => {
    const original = await send(t, f.owner, f.channel.id, 'question');
    const from = t.events.length;
    const reply = await send(t, f.member, f.channel.id, { content: 'answer', message_reference: { message_id: original.id } });
    assert.equal(reply.type, 19);
    assert.equal(reply.message_reference.message_id, original.id);
    assert.equal(reply.message_reference.channel_id, f.channel.id);
    assert.equal(reply.message_reference.guild_id, f.guild.id);
    assert.equal(reply.referenced_message.id, original.id);
    assert.equal(reply.referenced_message.content, 'question');
    assert.deepEqual(reply.mentions.map((u: any) => u.id), [f.owner.id]);
    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === reply.id, from);
    assert.equal(ev.d.referenced_message.id, original.id);

    const quiet = await send(t, f.member, f.channel.id, { content: 'quiet', message_reference: { message_id: original.id }, allowed_mentions: { replied_user: false } });
    assert.deepEqual(quiet.mentions, []);

    // The replied-to message is deleted: referenced_message becomes null.
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${original.id}`, { auth: f.owner })).status, 204);
    const again = await t.request('GET', `/channels/${f.channel.id}/messages/${reply.id}`, { auth: f.owner });
    assert.equal(again.body.referenced_message, null);
    assert.equal(again.body.message_reference.message_id, original.id);
  });

  test('an unknown reference → 50035 unless fail_if_not_exists is false', async () => {
    const res = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.member, body: { content: 'r', message_reference: { message_id: '123456789012345678' } } });
    assertError(res, 400, 50035);
    assert.ok(res.body.errors.message_reference);
    const plain = await send(t, f.member, f.channel.id, { content: 'r', message_reference: { message_id: '123456789012345678', fail_if_not_exists: false } });
    assert.equal(plain.type, 0);
    assert.ok(!('message_reference' in plain) && !('referenced_message' in plain));
  });

  test('replying needs READ_MESSAGE_HISTORY', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'nohistory' });
    const m = await send(t, f.owner, ch.id, 'm');
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    // Discord's own code for it: 160002 "Cannot reply without permission to read message history".
    assertError(await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body: { content: 'r', message_reference: { message_id: m.id } } }), 403, 160002);
  });

  test('a system message cannot be replied to', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'sysreply' });
    const m = await send(t, f.owner, ch.id, 'pin me');
    assert.equal((await t.request('PUT', `/channels/${ch.id}/pins/${m.id}`, { auth: f.owner })).status, 204);
    const history = await t.request('GET', `/channels/${ch.id}/messages?limit=1`, { auth: f.owner });
    const notice = history.body[0];
    assert.equal(notice.type, 6, JSON.stringify(notice));
    const res = await t.request('POST', `/channels/${ch.id}/messages`, { auth: f.member, body: { content: 'r', message_reference: { message_id: notice.id } } });
    assertError(res, 400, 50035);
    assert.ok(res.body.errors.message_reference._errors[0].code, JSON.stringify(res.body));
    // The pinned message itself is an ordinary one.
    assert.equal((await send(t, f.member, ch.id, { content: 'r', message_reference: { message_id: m.id } })).type, 19);
  });
});

describe('mentions', () => {
  test('user mentions list existing users, with member in the event, and bump mention counts', async () => {
    const from = t.events.length;
    const m = await send(t, f.member, f.channel.id, `hi <@${f.owner.id}> and <@!${f.stranger.id}> and <@123456789012345678>`);
    assert.deepEqual(m.mentions.map((u: any) => u.id).sort(), [f.owner.id, f.stranger.id].sort());
    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === m.id, from);
    const owner = ev.d.mentions.find((u: any) => u.id === f.owner.id);
    const stranger = ev.d.mentions.find((u: any) => u.id === f.stranger.id);
    assert.ok(owner.member, 'a guild member mention carries member');
    assert.ok(!stranger.member, 'a non-member mention has no member');
    const states = await t.store.readStates.listForUser(f.owner.id);
    assert.ok((states.find((s) => s.channelId === f.channel.id)?.mentionCount ?? 0) >= 1);
  });

  test('role mentions need a mentionable role or MENTION_EVERYONE; @everyone needs MENTION_EVERYONE', async () => {
    const role = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name: 'quiet-role' } });
    const loud = await t.request('POST', `/guilds/${f.guild.id}/roles`, { auth: f.owner, body: { name: 'loud-role', mentionable: true } });
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'mentions' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.MENTION_EVERYONE);
    const byMember = await send(t, f.member, ch.id, `<@&${role.body.id}> <@&${loud.body.id}> @everyone`);
    assert.deepEqual(byMember.mention_roles, [loud.body.id]);
    assert.equal(byMember.mention_everyone, false);
    const byOwner = await send(t, f.owner, ch.id, `<@&${role.body.id}> <@&${loud.body.id}> @here`);
    assert.deepEqual(byOwner.mention_roles.sort(), [role.body.id, loud.body.id].sort());
    assert.equal(byOwner.mention_everyone, true);
  });

  test('allowed_mentions filters what is parsed', async () => {
    const content = `<@${f.owner.id}> <@${f.stranger.id}> @everyone`;
    const none = await send(t, f.owner, f.channel.id, { content, allowed_mentions: { parse: [] } });
    assert.deepEqual(none.mentions, []);
    assert.equal(none.mention_everyone, false);
    const some = await send(t, f.owner, f.channel.id, { content, allowed_mentions: { users: [f.stranger.id] } });
    assert.deepEqual(some.mentions.map((u: any) => u.id), [f.stranger.id]);
    const everyone = await send(t, f.owner, f.channel.id, { content, allowed_mentions: { parse: ['everyone'] } });
    assert.equal(everyone.mention_everyone, true);
    assert.deepEqual(everyone.mentions, []);
    const bad = await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { content, allowed_mentions: { parse: ['users'], users: [f.owner.id] } } });
    assertError(bad, 400, 50035);
    assertError(await t.request('POST', `/channels/${f.channel.id}/messages`, { auth: f.owner, body: { content, allowed_mentions: { parse: ['nobody'] } } }), 400, 50035);
  });
});

describe('GET /channels/{id}/messages', () => {
  let ch: any;
  const sent: string[] = [];

  before(async () => {
    ch = await textChannel(t, f.owner, f.guild.id, { name: 'history' });
    for (let i = 0; i < 130; i++) sent.push((await send(t, f.owner, ch.id, `m${i}`)).id);
  });

  test('newest first, default 50, limit 1..100', async () => {
    const page = await t.request('GET', `/channels/${ch.id}/messages`, { auth: f.member });
    assert.equal(page.status, 200);
    assert.equal(page.body.length, 50);
    assert.equal(page.body[0].id, sent[129]);
    assert.equal(page.body[49].id, sent[80]);
    assert.equal((await t.request('GET', `/channels/${ch.id}/messages?limit=100`, { auth: f.member })).body.length, 100);
    assertError(await t.request('GET', `/channels/${ch.id}/messages?limit=0`, { auth: f.member }), 400, 50035);
    assertError(await t.request('GET', `/channels/${ch.id}/messages?limit=101`, { auth: f.member }), 400, 50035);
    assertError(await t.request('GET', `/channels/${ch.id}/messages?before=abc`, { auth: f.member }), 400, 50035);
  });

  test('walking with before visits every message once, in order', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await t.request('GET', `/channels/${ch.id}/messages?limit=33${cursor ? `&before=${cursor}` : ''}`, { auth: f.member });
      if (page.body.length === 0) break;
      seen.push(...page.body.map((m: any) => m.id));
      cursor = page.body.at(-1).id;
    }
    assert.deepEqual(seen, [...sent].reverse());
  });

  test('after returns the messages just after the cursor (newest first); around centres on it', async () => {
    const afterPage = await t.request('GET', `/channels/${ch.id}/messages?after=${sent[9]}&limit=5`, { auth: f.member });
    assert.deepEqual(afterPage.body.map((m: any) => m.id), sent.slice(10, 15).reverse());
    const aroundPage = await t.request('GET', `/channels/${ch.id}/messages?around=${sent[60]}&limit=11`, { auth: f.member });
    const ids = aroundPage.body.map((m: any) => m.id);
    assert.equal(ids.length, 11);
    assert.ok(ids.includes(sent[60]));
    assert.deepEqual(ids, [...ids].sort((a: string, b: string) => (BigInt(b) > BigInt(a) ? 1 : -1)));
    // Mutually exclusive: the first cursor given wins.
    const both = await t.request('GET', `/channels/${ch.id}/messages?before=${sent[5]}&after=${sent[100]}&limit=3`, { auth: f.member });
    assert.deepEqual(both.body.map((m: any) => m.id), [sent[4], sent[3], sent[2]]);
  });

  test('without READ_MESSAGE_HISTORY → []; a stranger → 50001; single message needs it too', async () => {
    const hidden = await textChannel(t, f.owner, f.guild.id, { name: 'hidden-history' });
    const m = await send(t, f.owner, hidden.id, 'secret');
    await overwrite(t, f.owner, hidden.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    const list = await t.request('GET', `/channels/${hidden.id}/messages`, { auth: f.member });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, []);
    assertError(await t.request('GET', `/channels/${hidden.id}/messages/${m.id}`, { auth: f.member }), 403, 50013);
    assertError(await t.request('GET', `/channels/${ch.id}/messages`, { auth: f.stranger }), 403, 50001);
    assertError(await t.request('GET', `/channels/${ch.id}/messages/123456789012345678`, { auth: f.member }), 404, 10008);
    assertError(await t.request('GET', `/channels/${ch.id}/messages/${m.id}`, { auth: f.member }), 404, 10008);
  });
});

describe('PATCH /channels/{id}/messages/{mid}', () => {
  test('the author edits: edited_timestamp set, MESSAGE_UPDATE with tts false, mentions re-parsed', async () => {
    const m = await send(t, f.member, f.channel.id, 'before');
    const from = t.events.length;
    const res = await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member, body: { content: `after <@${f.owner.id}>` } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.content, `after <@${f.owner.id}>`);
    assert.ok(res.body.edited_timestamp);
    assert.deepEqual(res.body.mentions.map((u: any) => u.id), [f.owner.id]);
    const ev = await t.waitForEvent('MESSAGE_UPDATE', (e) => e.d.id === m.id, from);
    assert.equal(ev.d.tts, false);
    assert.equal(ev.d.guild_id, f.guild.id);
    assert.equal(ev.d.content, res.body.content);
    const got = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member });
    assert.equal(got.body.content, res.body.content);
  });

  test('others cannot edit content (50005); a moderator may suppress embeds, a member may not (50013)', async () => {
    const m = await send(t, f.member, f.channel.id, { content: 'e', embeds: [{ title: 't' }] });
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner, body: { content: 'hijack' } }), 403, 50005);
    const o = await send(t, f.owner, f.channel.id, 'owner message');
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${o.id}`, { auth: f.member, body: { flags: 4 } }), 403, 50013);
    const res = await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner, body: { flags: 4 } });
    assert.equal(res.status, 200);
    assert.equal(res.body.flags, 4);
    assert.equal(res.body.content, 'e');
    assert.equal(res.body.edited_timestamp, null);
  });

  test('editing to empty → 50006; stranger → 50001; unknown → 10008', async () => {
    const m = await send(t, f.member, f.channel.id, 'x');
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member, body: { content: '' } }), 400, 50006);
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.stranger, body: { content: 'y' } }), 403, 50001);
    assertError(await t.request('PATCH', `/channels/${f.channel.id}/messages/123456789012345678`, { auth: f.member, body: { content: 'y' } }), 404, 10008);
  });
});

describe('DELETE /channels/{id}/messages/{mid}', () => {
  test('author or MANAGE_MESSAGES; publishes MESSAGE_DELETE', async () => {
    const m = await send(t, f.owner, f.channel.id, 'owner says');
    assertError(await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.member }), 403, 50013);
    assertError(await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.stranger }), 403, 50001);
    const mine = await send(t, f.member, f.channel.id, 'mine');
    const from = t.events.length;
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${mine.id}`, { auth: f.member })).status, 204);
    const ev = await t.waitForEvent('MESSAGE_DELETE', (e) => e.d.id === mine.id, from);
    assert.deepEqual(ev.d, { id: mine.id, channel_id: f.channel.id, guild_id: f.guild.id });
    assertError(await t.request('GET', `/channels/${f.channel.id}/messages/${mine.id}`, { auth: f.member }), 404, 10008);
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner })).status, 204);
    assertError(await t.request('DELETE', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner }), 404, 10008);
  });
});

describe('POST /channels/{id}/messages/bulk-delete', () => {
  test('deletes 2–100 recent messages with MANAGE_MESSAGES and publishes MESSAGE_DELETE_BULK', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'bulk' });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await send(t, f.member, ch.id, `b${i}`)).id);
    const url = `/channels/${ch.id}/messages/bulk-delete`;
    assertError(await t.request('POST', url, { auth: f.member, body: { messages: ids } }), 403, 50013);
    assertError(await t.request('POST', url, { auth: f.stranger, body: { messages: ids } }), 403, 50001);
    assertError(await t.request('POST', url, { auth: f.owner, body: { messages: [ids[0]] } }), 400, 50016);
    assertError(await t.request('POST', url, { auth: f.owner, body: { messages: Array.from({ length: 101 }, (_, i) => String(10n ** 17n + BigInt(i))) } }), 400, 50016);
    assertError(await t.request('POST', url, { auth: f.owner, body: {} }), 400, 50035);
    const old = snowflakeFromTimestamp(Date.now() - 15 * 24 * 3600 * 1000);
    assertError(await t.request('POST', url, { auth: f.owner, body: { messages: [ids[0], old] } }), 400, 50034);
    // "will fail with a 400 BAD REQUEST ... if any duplicate message IDs are provided": nothing is deleted.
    const dup = await t.request('POST', url, { auth: f.owner, body: { messages: [ids[3], ids[0], ids[3]] } });
    assertError(dup, 400, 50035);
    assert.ok(dup.body.errors.messages['2']._errors[0].code, JSON.stringify(dup.body));
    assertError(await t.request('POST', url, { auth: f.owner, body: { messages: [ids[0], ids[0]] } }), 400, 50035);

    const from = t.events.length;
    assert.equal((await t.request('POST', url, { auth: f.owner, body: { messages: ids.slice(0, 3) } })).status, 204);
    const ev = await t.waitForEvent('MESSAGE_DELETE_BULK', (e) => e.d.channel_id === ch.id, from);
    assert.deepEqual([...ev.d.ids].sort(), ids.slice(0, 3).sort());
    assert.equal(ev.d.guild_id, f.guild.id);
    const left = await t.request('GET', `/channels/${ch.id}/messages`, { auth: f.owner });
    assert.deepEqual(left.body.map((m: any) => m.id), [ids[3]]);
  });
});

describe('DM messages', () => {
  test('go to both recipients, without guild_id or member; a third user gets 50001', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: f.member, body: { recipient_id: f.owner.id } });
    assert.equal(dm.status, 200, JSON.stringify(dm.body));
    const from = t.events.length;
    const m = await send(t, f.member, dm.body.id, `psst <@${f.owner.id}>`);
    await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === m.id && e.subject === `gateway.user.${f.owner.id}`, from);
    const mine = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === m.id && e.subject === `gateway.user.${f.member.id}`, from);
    assert.ok(!('guild_id' in mine.d) && !('member' in mine.d));
    assert.equal(mine.d.mentions[0].id, f.owner.id);
    assertError(await t.request('POST', `/channels/${dm.body.id}/messages`, { auth: f.stranger, body: { content: 'hi' } }), 403, 50001);
    assertError(await t.request('DELETE', `/channels/${dm.body.id}/messages/${m.id}`, { auth: f.owner }), 403, 50003);
  });
});
