/**
 * Forwards (POST /channels/{id}/messages with message_reference type 1) over real HTTP: the forward is an empty
 * message with HAS_SNAPSHOT, a type-1 message_reference and one message snapshot of the original, whose files are
 * copies in the forward's channel (they outlive the original and go with the forward); MESSAGE_CREATE carries the
 * snapshot; the documented refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t.close());

const HAS_SNAPSHOT = 1 << 14;

async function postWithFile(user: TestUser, channelId: string, payload: unknown, name: string, bytes: Buffer): Promise<any> {
  const body = new FormData();
  body.append('files[0]', new Blob([Uint8Array.from(bytes)], { type: 'text/plain' }), name);
  body.append('payload_json', JSON.stringify(payload));
  const res = await fetch(`${t.api}/channels/${channelId}/messages`, { method: 'POST', headers: { authorization: user.auth }, body });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

const forward = (user: TestUser, to: string, ref: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  t.request('POST', `/channels/${to}/messages`, { auth: user, body: { message_reference: { type: 1, ...ref }, ...extra } });

describe('forwards', () => {
  test('the forward holds a snapshot of the original, files copied; MESSAGE_CREATE carries it; it outlives the original', async () => {
    const target = await textChannel(t, f.owner, f.guild.id, { name: 'forward-target' });
    const bytes = Buffer.from('forwarded file bytes');
    const original = await postWithFile(f.member, f.channel.id, { content: `look <@${f.owner.id}>` }, 'notes.txt', bytes);
    const from = t.events.length;
    const res = await forward(f.member, target.id, { message_id: original.id, channel_id: f.channel.id, guild_id: f.guild.id });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const fwd = res.body;
    assert.equal(fwd.type, 0);
    assert.equal(fwd.content, '');
    assert.equal(fwd.flags & HAS_SNAPSHOT, HAS_SNAPSHOT);
    assert.deepEqual(fwd.mentions, [], 'a forward pings nobody');
    assert.deepEqual(fwd.message_reference, { type: 1, message_id: original.id, channel_id: f.channel.id, guild_id: f.guild.id });
    assert.equal(fwd.referenced_message, undefined);
    assert.equal(fwd.message_snapshots.length, 1);
    const snap = fwd.message_snapshots[0].message;
    assert.equal(snap.content, original.content);
    assert.equal(snap.type, 0);
    assert.equal(snap.timestamp, original.timestamp);
    assert.equal(snap.edited_timestamp, null);
    assert.deepEqual(snap.mentions.map((u: any) => u.id), [f.owner.id]);
    assert.equal(snap.attachments.length, 1);
    assert.equal(snap.attachments[0].filename, 'notes.txt');
    assert.notEqual(snap.attachments[0].id, original.attachments[0].id, 'the file is a copy');
    const copy = await fetch(snap.attachments[0].url);
    assert.equal(copy.status, 200);
    assert.ok(Buffer.from(await copy.arrayBuffer()).equals(bytes));
    const ev = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.id === fwd.id, from);
    assert.equal(ev.d.message_snapshots[0].message.content, original.content);

    // A forward of the forward shows the same message (not an empty one), with a copy of its own.
    const again = await forward(f.owner, f.channel.id, { message_id: fwd.id, channel_id: target.id });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const again0 = again.body.message_snapshots[0].message;
    assert.equal(again0.content, original.content);
    assert.equal(again0.timestamp, original.timestamp);
    assert.notEqual(again0.attachments[0].id, snap.attachments[0].id);
    const secondCopy = await fetch(again0.attachments[0].url);
    assert.ok(Buffer.from(await secondCopy.arrayBuffer()).equals(bytes));

    // The original edited, then deleted: the snapshot stays as it was, its file with it.
    assert.equal((await t.request('PATCH', `/channels/${f.channel.id}/messages/${original.id}`, { auth: f.member, body: { content: 'changed' } })).status, 200);
    assert.equal((await t.request('DELETE', `/channels/${f.channel.id}/messages/${original.id}`, { auth: f.member })).status, 204);
    await waitFor(async () => (await fetch(original.attachments[0].url)).status === 404, { timeoutMs: 10_000, what: 'the original file gone' });
    const read = await t.request('GET', `/channels/${target.id}/messages/${fwd.id}`, { auth: f.owner });
    assert.equal(read.body.message_snapshots[0].message.content, original.content);
    const kept = await fetch(read.body.message_snapshots[0].message.attachments[0].url);
    assert.equal(kept.status, 200);

    // Deleting the forward deletes its copy.
    assert.equal((await t.request('DELETE', `/channels/${target.id}/messages/${fwd.id}`, { auth: f.member })).status, 204);
    await waitFor(async () => (await fetch(read.body.message_snapshots[0].message.attachments[0].url)).status === 404, { timeoutMs: 10_000, what: 'the copy gone' });
  });

  test('refusals: required fields, content alongside, an unreadable source, an unknown or system message', async () => {
    const m = await send(t, f.owner, f.channel.id, 'source');
    const missing = await forward(f.member, f.channel.id, { message_id: m.id });
    assertError(missing, 400, 50035);
    assert.ok(missing.body.errors.message_reference.channel_id, JSON.stringify(missing.body));
    const withContent = await forward(f.member, f.channel.id, { message_id: m.id, channel_id: f.channel.id }, { content: 'and words' });
    assertError(withContent, 400, 50035);
    assert.ok(withContent.body.errors.content, JSON.stringify(withContent.body));
    assertError(await forward(f.member, f.channel.id, { message_id: '123456789012345678', channel_id: f.channel.id }), 400, 50035);

    // A channel the member cannot read: Missing Access, as a read of it would answer.
    const hidden = await textChannel(t, f.owner, f.guild.id, { name: 'hidden-source' });
    const secret = await send(t, f.owner, hidden.id, 'secret');
    await overwrite(t, f.owner, hidden.id, f.guild.id, 0, 0n, Permissions.VIEW_CHANNEL);
    assertError(await forward(f.member, f.channel.id, { message_id: secret.id, channel_id: hidden.id }), 403, 50001);
    // Readable but without its history: 50013.
    const noHistory = await textChannel(t, f.owner, f.guild.id, { name: 'no-history-source' });
    const old = await send(t, f.owner, noHistory.id, 'old');
    await overwrite(t, f.owner, noHistory.id, f.member.id, 1, 0n, Permissions.READ_MESSAGE_HISTORY);
    assertError(await forward(f.member, f.channel.id, { message_id: old.id, channel_id: noHistory.id }), 403, 50013);

    // A pin notice (type 6) is a system message.
    assert.equal((await t.request('PUT', `/channels/${f.channel.id}/pins/${m.id}`, { auth: f.owner })).status, 204);
    const notice = (await t.request('GET', `/channels/${f.channel.id}/messages?limit=1`, { auth: f.owner })).body[0];
    assert.equal(notice.type, 6);
    assertError(await forward(f.member, f.channel.id, { message_id: notice.id, channel_id: f.channel.id }), 400, 50035);
    // Sending into the target still needs SEND_MESSAGES there.
    assertError(await forward(f.stranger, f.channel.id, { message_id: m.id, channel_id: f.channel.id }), 403, 50001);
  });
});
