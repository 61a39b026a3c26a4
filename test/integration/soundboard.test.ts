/**
 * Guild soundboard sounds (src/api/routes/soundboard.ts) on SQLite and PostgreSQL: create from a data URI (MP3 or
 * Ogg, judged from the bytes, at most 512 KiB and 5.2 s), list as `{items}`, get, modify, delete, with their events,
 * audit entries and permissions; the file on the CDN; GUILD_CREATE's soundboard_sounds and op 31; the slot limit;
 * the default sounds (none).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServerOn, type TestServer } from '../helpers/harness.ts';
import { serviceSkip } from '../helpers/services.ts';
import { dataUri, mp3Of, oggOf } from '../helpers/sounds.ts';
import { addMember, assertError, giveRole, guildWithMember, makeBot } from './fixtures.guilds.ts';
import { Intents } from '../../src/protocol/intents.ts';
import { GatewayClient } from './gateway-client.ts';

const postgresSkip = await serviceSkip('postgres');
const CREATE_EXPRESSIONS = 1n << 43n;
const MANAGE_EXPRESSIONS = 1n << 30n;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`guild soundboard sounds (${backend})`, { skip: backend === 'postgres' ? postgresSkip : false }, () => {
    let t: TestServer;
    const clients: GatewayClient[] = [];
    before(async () => {
      t = await startTestServerOn(backend);
    });
    after(async () => {
      for (const c of clients) await c.close();
      await t.close();
    });

    it('create, list, get, modify and delete, with events, audit entries and the file on the CDN', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const base = `/guilds/${guild.id}/soundboard-sounds`;
      let from = t.events.length;
      const made = await t.request('POST', base, { auth: owner, body: { name: 'airhorn', sound: dataUri(mp3Of(1.5)), volume: 0.5, emoji_name: '📯' } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const sound = made.body;
      assert.deepEqual({ ...sound, sound_id: 'x' }, {
        name: 'airhorn', sound_id: 'x', volume: 0.5, emoji_id: null, emoji_name: '📯', guild_id: guild.id, available: true,
        user: { ...sound.user, id: owner.id },
      });
      const created = await t.waitForEvent('GUILD_SOUNDBOARD_SOUND_CREATE', (e) => e.d.sound_id === sound.sound_id, from);
      assert.equal(created.d.name, 'airhorn');
      // The file, as uploaded, at Discord's CDN path.
      const file = await fetch(`${t.url}/soundboard-sounds/${sound.sound_id}`);
      assert.equal(file.status, 200);
      assert.equal(file.headers.get('content-type'), 'audio/mpeg');
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), mp3Of(1.5));
      // An Ogg one too; any member lists them, without their creators.
      const ogg = await t.request('POST', base, { auth: owner, body: { name: 'cricket', sound: dataUri(oggOf(2), 'audio/ogg') } });
      assert.equal(ogg.status, 201, JSON.stringify(ogg.body));
      assert.equal(ogg.body.volume, 1);
      assert.equal((await fetch(`${t.url}/soundboard-sounds/${ogg.body.sound_id}`)).headers.get('content-type'), 'audio/ogg');
      const listed = await t.request('GET', base, { auth: member });
      assert.deepEqual(listed.body.items.map((s: any) => [s.name, s.user]), [['airhorn', undefined], ['cricket', undefined]]);
      assert.equal((await t.request('GET', `${base}/${sound.sound_id}`, { auth: owner })).body.user.id, owner.id);
      assertError(await t.request('GET', `${base}/123456789012345678`, { auth: owner }), 404, 10097);

      from = t.events.length;
      const edited = await t.request('PATCH', `${base}/${sound.sound_id}`, { auth: owner, body: { name: 'foghorn', volume: 0.25, emoji_name: null } });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.deepEqual([edited.body.name, edited.body.volume, edited.body.emoji_name], ['foghorn', 0.25, null]);
      await t.waitForEvent('GUILD_SOUNDBOARD_SOUND_UPDATE', (e) => e.d.sound_id === sound.sound_id && e.d.name === 'foghorn', from);
      from = t.events.length;
      assert.equal((await t.request('DELETE', `${base}/${sound.sound_id}`, { auth: owner })).status, 204);
      const gone = await t.waitForEvent('GUILD_SOUNDBOARD_SOUND_DELETE', (e) => e.d.sound_id === sound.sound_id, from);
      assert.deepEqual(gone.d, { sound_id: sound.sound_id, guild_id: guild.id });
      assert.equal((await fetch(`${t.url}/soundboard-sounds/${sound.sound_id}`)).status, 404);
      const audit = (await t.request('GET', `/guilds/${guild.id}/audit-logs`, { auth: owner })).body.audit_log_entries
        .filter((e: any) => e.action_type >= 130 && e.action_type <= 132).map((e: any) => [e.action_type, e.target_id]);
      assert.deepEqual(audit, [[132, sound.sound_id], [131, sound.sound_id], [130, ogg.body.sound_id], [130, sound.sound_id]]);
    });

    it('permissions: Create Expressions makes and edits its own; Manage Expressions any; others 50013', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const base = `/guilds/${guild.id}/soundboard-sounds`;
      const body = { name: 'quack', sound: dataUri(mp3Of(0.5)) };
      assertError(await t.request('POST', base, { auth: member, body }), 403, 50013);
      const ownersSound = (await t.request('POST', base, { auth: owner, body })).body;
      await giveRole(t, owner, guild.id, member, CREATE_EXPRESSIONS, 'creator');
      const mine = await t.request('POST', base, { auth: member, body: { ...body, name: 'mine' } });
      assert.equal(mine.status, 201, JSON.stringify(mine.body));
      assert.equal((await t.request('PATCH', `${base}/${mine.body.sound_id}`, { auth: member, body: { name: 'still mine' } })).status, 200);
      assertError(await t.request('PATCH', `${base}/${ownersSound.sound_id}`, { auth: member, body: { name: 'taken' } }), 403, 50013);
      assertError(await t.request('DELETE', `${base}/${ownersSound.sound_id}`, { auth: member }), 403, 50013);
      await giveRole(t, owner, guild.id, member, MANAGE_EXPRESSIONS, 'manager');
      assert.equal((await t.request('DELETE', `${base}/${ownersSound.sound_id}`, { auth: member })).status, 204);
    });

    it('refuses what is not a short MP3 or Ogg, a foreign emoji, and a ninth sound', async () => {
      const { owner, guild } = await guildWithMember(t);
      const other = await t.createGuild(owner, 'Elsewhere');
      const base = `/guilds/${guild.id}/soundboard-sounds`;
      const post = (body: Record<string, unknown>) => t.request('POST', base, { auth: owner, body: { name: 'sound', sound: dataUri(mp3Of(1)), ...body } });
      assertError(await post({ sound: 'data:audio/wav;base64,UklGRg==' }), 400, 50035);
      assertError(await post({ sound: dataUri(Buffer.from('not a sound at all')) }), 400, 50046);
      assertError(await post({ sound: dataUri(mp3Of(6)) }), 400, 50046);
      assertError(await post({ sound: dataUri(mp3Of(40)) }), 400, 50045);
      assertError(await post({ name: 'x' }), 400, 50035);
      assertError(await post({ volume: 2 }), 400, 50035);
      assertError(await post({ emoji_name: 'not an emoji' }), 400, 50035);
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
      const foreign = await t.request('POST', `/guilds/${other.id}/emojis`, { auth: owner, body: { name: 'elsewhere', image: `data:image/png;base64,${png}` } });
      assert.equal(foreign.status, 201, JSON.stringify(foreign.body));
      assertError(await post({ emoji_id: foreign.body.id }), 400, 50035);
      // One of the guild's own emoji is taken, named by id alone.
      const own = await t.request('POST', `/guilds/${guild.id}/emojis`, { auth: owner, body: { name: 'ours', image: `data:image/png;base64,${png}` } });
      const withOwn = await post({ name: 'sound 0', emoji_id: own.body.id, emoji_name: 'ours' });
      assert.equal(withOwn.status, 201, JSON.stringify(withOwn.body));
      assert.deepEqual([withOwn.body.emoji_id, withOwn.body.emoji_name], [own.body.id, null]);
      for (let i = 1; i < 8; i++) assert.equal((await post({ name: `sound ${i}` })).status, 201);
      assertError(await post({ name: 'ninth' }), 400, 30045);
      assert.deepEqual((await t.request('GET', '/soundboard-default-sounds', { auth: owner })).body, []);
    });

    it('GUILD_SOUNDBOARD_SOUND_* reach a bot only with GUILD_EXPRESSIONS', async () => {
      const { owner, guild } = await guildWithMember(t);
      const { bot } = await makeBot(t, owner);
      await addMember(t, guild.id, bot);
      const online = async (intents: number) => {
        const c = await GatewayClient.connect(t.url);
        clients.push(c);
        await c.identify(bot.token, { intents });
        await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
        return c;
      };
      const without = await online(Intents.GUILDS);
      const withIt = await online(Intents.GUILDS | Intents.GUILD_EXPRESSIONS);
      const sound = (await t.request('POST', `/guilds/${guild.id}/soundboard-sounds`, { auth: owner, body: { name: 'ping', sound: dataUri(mp3Of(0.5)) } })).body;
      await t.request('PATCH', `/guilds/${guild.id}/soundboard-sounds/${sound.sound_id}`, { auth: owner, body: { name: 'pong' } });
      await t.request('DELETE', `/guilds/${guild.id}/soundboard-sounds/${sound.sound_id}`, { auth: owner });
      await withIt.waitForDispatch('GUILD_SOUNDBOARD_SOUND_DELETE', (d) => d.sound_id === sound.sound_id);
      assert.deepEqual(withIt.dispatches('GUILD_SOUNDBOARD_SOUND_CREATE').concat(withIt.dispatches('GUILD_SOUNDBOARD_SOUND_UPDATE')).map((e: any) => e.d.name), ['ping', 'pong']);
      // A guild's events reach a session in order: once the rename that followed arrives, no sound event is pending.
      await t.request('PATCH', `/guilds/${guild.id}`, { auth: owner, body: { name: 'after the sounds' } });
      await without.waitForDispatch('GUILD_UPDATE', (d) => d.name === 'after the sounds');
      for (const t of ['GUILD_SOUNDBOARD_SOUND_CREATE', 'GUILD_SOUNDBOARD_SOUND_UPDATE', 'GUILD_SOUNDBOARD_SOUND_DELETE']) assert.equal(without.dispatches(t).length, 0, t);
    });

    it("GUILD_CREATE carries the guild's sounds, op 31 answers them, and deleting the guild deletes the files", async () => {
      const { owner, guild } = await guildWithMember(t);
      const sound = (await t.request('POST', `/guilds/${guild.id}/soundboard-sounds`, { auth: owner, body: { name: 'bell', sound: dataUri(oggOf(1), 'audio/ogg') } })).body;
      const c = await GatewayClient.connect(t.url);
      clients.push(c);
      await c.identify(owner.token);
      const created = await c.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
      assert.deepEqual(created.d.soundboard_sounds, [{ name: 'bell', sound_id: sound.sound_id, volume: 1, emoji_id: null, emoji_name: null, guild_id: guild.id, available: true }]);
      c.send(31, { guild_ids: [guild.id] });
      const answered = await c.waitForDispatch('SOUNDBOARD_SOUNDS', (d) => d.guild_id === guild.id);
      assert.deepEqual(answered.d.soundboard_sounds, created.d.soundboard_sounds);
      // A new sound reaches the next GUILD_CREATE too (the cached part is reset by the event).
      await t.request('POST', `/guilds/${guild.id}/soundboard-sounds`, { auth: owner, body: { name: 'gong', sound: dataUri(mp3Of(1)) } });
      const again = await GatewayClient.connect(t.url);
      clients.push(again);
      await again.identify(owner.token);
      const next = await again.waitForDispatch('GUILD_CREATE', (d) => d.id === guild.id);
      assert.deepEqual(next.d.soundboard_sounds.map((s: any) => s.name), ['bell', 'gong']);
      assert.equal((await t.request('DELETE', `/guilds/${guild.id}`, { auth: owner })).status, 204);
      assert.equal((await fetch(`${t.url}/soundboard-sounds/${sound.sound_id}`)).status, 404);
    });

    it('send-soundboard-sound checks the channel, permissions and sound, then answers 10065: nobody is connected to voice', async () => {
      const { owner, member, guild } = await guildWithMember(t);
      const sound = (await t.request('POST', `/guilds/${guild.id}/soundboard-sounds`, { auth: owner, body: { name: 'horn', sound: dataUri(mp3Of(1)) } })).body;
      const voice = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'Lounge', type: 2 } })).body;
      const text = ((await t.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body as any[]).find((c) => c.type === 0);
      const send = (auth: any, channelId: string, body: unknown) => t.request('POST', `/channels/${channelId}/send-soundboard-sound`, { auth, body });
      assertError(await send(owner, text.id, { sound_id: sound.sound_id }), 400, 50024);
      assertError(await send(owner, voice.id, { sound_id: 'horn' }), 400, 50035);
      assertError(await send(owner, voice.id, { sound_id: '123456789012345678' }), 404, 10097);
      assertError(await send(owner, voice.id, { sound_id: sound.sound_id }), 404, 10065);
      // Without Use Soundboard (denied to @everyone), a member is refused before anything else.
      await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { permissions: String(BigInt((await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body.find((r: any) => r.id === guild.id).permissions) & ~(1n << 42n)) } });
      assertError(await send(member, voice.id, { sound_id: sound.sound_id }), 403, 50013);
      // Another server's sound: Use External Sounds, and membership there.
      const other = await t.createGuild(member, 'Elsewhere');
      const theirs = (await t.request('POST', `/guilds/${other.id}/soundboard-sounds`, { auth: member, body: { name: 'bell', sound: dataUri(mp3Of(1)) } })).body;
      assertError(await send(owner, voice.id, { sound_id: theirs.sound_id, source_guild_id: other.id }), 403, 50001);
      assertError(await send(owner, voice.id, { sound_id: theirs.sound_id }), 404, 10097);
      // A member of both servers needs Use External Sounds here to play the other one's sound.
      const everyone = async (set: (p: bigint) => bigint) => {
        const perms = BigInt((await t.request('GET', `/guilds/${guild.id}/roles`, { auth: owner })).body.find((r: any) => r.id === guild.id).permissions);
        assert.equal((await t.request('PATCH', `/guilds/${guild.id}/roles/${guild.id}`, { auth: owner, body: { permissions: String(set(perms)) } })).status, 200);
      };
      await everyone((p) => (p | (1n << 42n)) & ~(1n << 45n));
      assertError(await send(member, voice.id, { sound_id: theirs.sound_id, source_guild_id: other.id }), 403, 50013);
      await everyone((p) => p | (1n << 42n) | (1n << 45n));
      assertError(await send(member, voice.id, { sound_id: theirs.sound_id, source_guild_id: other.id }), 404, 10065);
      const dm = (await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: member.id } })).body;
      assertError(await send(owner, dm.id, { sound_id: sound.sound_id }), 403, 50003);
    });
  });
}
