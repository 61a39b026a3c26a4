/**
 * Voice messages (IS_VOICE_MESSAGE, 1 << 13) over real HTTP and the gateway: one audio file with `duration_secs`
 * and `waveform`, Discord's codes for each broken rule (50159–50162), SEND_VOICE_MESSAGES, a crosspost and a forward.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { oggOpusBytes, waveformBase64 } from '../helpers/voice-message.ts';
import { GatewayClient } from './gateway-client.ts';
import { assertError, guildFixture, overwrite, send, textChannel, type GuildFixture } from './fixtures.messages.ts';

const IS_VOICE_MESSAGE = 1 << 13;
const HAS_SNAPSHOT = 1 << 14;

let t: TestServer;
let f: GuildFixture;

before(async () => {
  t = await startTestServer();
  f = await guildFixture(t);
});
after(() => t?.close());

interface Part {
  name: string;
  bytes: Uint8Array;
}

async function post(user: TestUser, channelId: string, files: Part[], payload: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const body = new FormData();
  files.forEach((file, i) => body.append(`files[${i}]`, new Blob([Uint8Array.from(file.bytes)]), file.name));
  body.append('payload_json', JSON.stringify(payload));
  const res = await fetch(`${t.api}/channels/${channelId}/messages`, { method: 'POST', headers: { authorization: user.auth }, body });
  return { status: res.status, body: await res.json() };
}

const voice = { name: 'voice-message.ogg', bytes: oggOpusBytes() };
const waveform = waveformBase64();
const meta = (over: Record<string, unknown> = {}) => ({ id: 0, duration_secs: 4.25, waveform, ...over });

describe('voice messages', () => {
  test('one audio file with its length and waveform: flags, attachment fields, history and MESSAGE_CREATE', async () => {
    const c = await GatewayClient.connect(t.url);
    try {
      await c.identify(f.owner.token);
      const res = await post(f.member, f.channel.id, [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta()] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const m = res.body;
      assert.equal(m.flags & IS_VOICE_MESSAGE, IS_VOICE_MESSAGE);
      assert.equal(m.content, '');
      assert.equal(m.attachments.length, 1);
      const [a] = m.attachments;
      assert.deepEqual({ filename: a.filename, duration_secs: a.duration_secs, waveform: a.waveform }, { filename: 'voice-message.ogg', duration_secs: 4.25, waveform });
      assert.match(a.content_type, /^audio\/ogg/);
      const ev = await c.waitForDispatch('MESSAGE_CREATE', (d) => d.id === m.id);
      assert.deepEqual(ev.d.attachments, m.attachments);
      assert.equal(ev.d.flags, m.flags);
      const read = await t.request('GET', `/channels/${f.channel.id}/messages/${m.id}`, { auth: f.owner });
      assert.deepEqual(read.body.attachments, m.attachments);
    } finally {
      await c.close();
    }
  });

  test('each broken rule gets Discord’s code, and nothing is stored', async () => {
    const before = (await t.request('GET', `/channels/${f.channel.id}/messages?limit=1`, { auth: f.owner })).body[0]?.id;
    const cases: Array<[string, Part[], Record<string, unknown>, number]> = [
      ['text beside it', [voice], { content: 'hello', flags: IS_VOICE_MESSAGE, attachments: [meta()] }, 50159],
      ['an embed beside it', [voice], { embeds: [{ title: 'x' }], flags: IS_VOICE_MESSAGE, attachments: [meta()] }, 50159],
      ['two files', [voice, voice], { flags: IS_VOICE_MESSAGE, attachments: [meta(), meta({ id: 1 })] }, 50160],
      ['a file that is not audio', [{ name: 'notes.txt', bytes: Buffer.from('not a sound') }], { flags: IS_VOICE_MESSAGE, attachments: [meta()] }, 50160],
      ['no file', [], { flags: IS_VOICE_MESSAGE }, 50160],
      ['no waveform', [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta({ waveform: null })] }, 50161],
      ['no duration', [voice], { flags: IS_VOICE_MESSAGE, attachments: [{ id: 0, waveform }] }, 50161],
    ];
    for (const [what, files, payload, code] of cases) {
      const res = await post(f.member, f.channel.id, files, payload);
      assertError(res, 400, code);
      assert.equal(res.body.message.startsWith('Voice messages'), true, what);
    }
    const badWaveform = await post(f.member, f.channel.id, [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta({ waveform: 'not base64!' })] });
    assertError(badWaveform, 400, 50035);
    assert.ok(badWaveform.body.errors.attachments[0].waveform, JSON.stringify(badWaveform.body));
    assert.equal((await t.request('GET', `/channels/${f.channel.id}/messages?limit=1`, { auth: f.owner })).body[0]?.id, before);
  });

  test('SEND_VOICE_MESSAGES is needed in a guild channel; a voice message cannot be edited; other files keep no waveform', async () => {
    const ch = await textChannel(t, f.owner, f.guild.id, { name: 'no-voice' });
    await overwrite(t, f.owner, ch.id, f.member.id, 1, 0n, Permissions.SEND_VOICE_MESSAGES);
    assertError(await post(f.member, ch.id, [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta()] }), 403, 50013);
    // The same file as a plain message is fine, and its attachment carries no voice fields.
    const plain = await post(f.member, ch.id, [voice], { attachments: [meta()] });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.equal(plain.body.flags & IS_VOICE_MESSAGE, 0);
    assert.ok(!('duration_secs' in plain.body.attachments[0]) && !('waveform' in plain.body.attachments[0]));

    const sent = await post(f.member, f.channel.id, [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta()] });
    assert.equal(sent.status, 200);
    const url = `/channels/${f.channel.id}/messages/${sent.body.id}`;
    assertError(await t.request('PATCH', url, { auth: f.member, body: { content: 'words now' } }), 400, 50162);
    assertError(await t.request('PATCH', url, { auth: f.member, body: { attachments: [] } }), 400, 50162);
    // Someone else's edit is refused as any other message's would be.
    assertError(await t.request('PATCH', url, { auth: f.owner, body: { content: 'mine now' } }), 403, 50005);
    const still = await t.request('GET', url, { auth: f.member });
    assert.equal(still.body.attachments[0].duration_secs, 4.25);
  });

  test('a crosspost of a voice message (and of a Components V2 layout) is one too in the following channel', async () => {
    const news = await textChannel(t, f.owner, f.guild.id, { name: 'news', type: 5 });
    const target = await textChannel(t, f.owner, f.guild.id, { name: 'feed' });
    const followed = await t.request('POST', `/channels/${news.id}/followers`, { auth: f.owner, body: { webhook_channel_id: target.id } });
    assert.equal(followed.status, 200, JSON.stringify(followed.body));
    const sent = await post(f.owner, news.id, [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta()] });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const layout = await send(t, f.owner, news.id, { flags: 1 << 15, components: [{ type: 17, components: [{ type: 10, content: 'Big news' }] }] });
    for (const m of [sent.body, layout]) {
      assert.equal((await t.request('POST', `/channels/${news.id}/messages/${m.id}/crosspost`, { auth: f.owner })).status, 200);
    }
    const copies = await waitFor(async () => {
      const list = (await t.request('GET', `/channels/${target.id}/messages?limit=10`, { auth: f.owner })).body.filter((m: any) => m.webhook_id);
      return list.length >= 2 ? list : null;
    }, { what: 'both crossposts in the following channel' });
    const voiceCopy = copies.find((m: any) => m.attachments.length === 1)!;
    assert.equal(voiceCopy.flags & IS_VOICE_MESSAGE, IS_VOICE_MESSAGE);
    assert.equal(voiceCopy.attachments[0].duration_secs, 4.25);
    const layoutCopy = copies.find((m: any) => m.attachments.length === 0)!;
    assert.equal(layoutCopy.flags & (1 << 15), 1 << 15);
    assert.equal(layoutCopy.components[0].components[0].content, 'Big news');
  });

  test('a forward of a voice message is not one itself; its snapshot is', async () => {
    const sent = await post(f.member, f.channel.id, [voice], { flags: IS_VOICE_MESSAGE, attachments: [meta()] });
    assert.equal(sent.status, 200);
    const fwd = await send(t, f.owner, f.channel.id, { flags: IS_VOICE_MESSAGE, message_reference: { type: 1, channel_id: f.channel.id, message_id: sent.body.id } });
    assert.equal(fwd.flags, HAS_SNAPSHOT);
    const snap = fwd.message_snapshots[0].message;
    assert.equal(snap.flags & IS_VOICE_MESSAGE, IS_VOICE_MESSAGE);
    assert.equal(snap.attachments[0].duration_secs, 4.25);
    assert.equal(snap.attachments[0].waveform, waveform);
  });
});
