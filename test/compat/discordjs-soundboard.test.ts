/**
 * discord.js v14, unpatched, against guild soundboard sounds: guild.soundboardSounds create (from a Buffer, with
 * its content type) / fetch (all and one) / edit / delete, the sound's fields and URL on the CDN, the gateway's
 * GUILD_CREATE sounds and its guildSoundboardSoundCreate / Update / Delete events, and Discord's refusals as
 * DiscordAPIError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, DiscordAPIError, Events, GatewayIntentBits, type SoundboardSound } from 'discord.js';
import { Permissions } from '../../src/protocol/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { mp3Of } from '../helpers/sounds.ts';
import { botWorld, loggedInClient } from './setup.ts';

describe('discord.js v14 and soundboard sounds', () => {
  let t: TestServer;
  let client: Client;
  let guildId: string;
  const seen: string[] = [];

  before(async () => {
    t = await startTestServer();
    const world = await botWorld(t, 'djs soundboard', Permissions.VIEW_CHANNEL | Permissions.CREATE_GUILD_EXPRESSIONS | Permissions.MANAGE_GUILD_EXPRESSIONS);
    guildId = world.guild.id;
    const made = await t.request('POST', `/guilds/${guildId}/soundboard-sounds`, { auth: world.owner, body: { name: 'before', sound: `data:audio/mpeg;base64,${mp3Of(1).toString('base64')}` } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildExpressions], (c) => {
      c.on(Events.GuildSoundboardSoundCreate, (s: SoundboardSound) => seen.push(`create ${s.name}`));
      c.on(Events.GuildSoundboardSoundUpdate, (_old: SoundboardSound | null, s: SoundboardSound) => seen.push(`update ${s.name}`));
      c.on(Events.GuildSoundboardSoundDelete, (s: SoundboardSound | { soundId: string }) => seen.push(`delete ${'name' in s ? s.name : s.soundId}`));
    });
    await waitFor(() => client.guilds.cache.has(guildId), { what: 'the guild' });
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
  });

  it('creates, fetches, edits and deletes a sound; the events arrive', async () => {
    const guild = client.guilds.cache.get(guildId)!;
    assert.deepEqual([...guild.soundboardSounds.cache.values()].map((s) => s.name), ['before'], "GUILD_CREATE's sounds");
    const sound = await guild.soundboardSounds.create({ file: mp3Of(2), contentType: 'audio/mpeg', name: 'trumpet', volume: 0.75, emojiName: '🎺' });
    assert.equal(sound.name, 'trumpet');
    assert.equal(sound.volume, 0.75);
    assert.equal(sound.emoji?.name, '🎺');
    assert.equal(sound.available, true);
    assert.equal(sound.user?.id, client.user!.id);
    const file = await fetch(sound.url);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'audio/mpeg');

    const all = await guild.soundboardSounds.fetch();
    assert.deepEqual([...all.values()].map((s) => s.name).sort(), ['before', 'trumpet']);
    const one = await guild.soundboardSounds.fetch({ soundboardSound: sound.soundId, force: true });
    assert.equal(one.name, 'trumpet');
    const edited = await guild.soundboardSounds.edit(sound, { name: 'bugle', volume: 0.5 });
    assert.equal(edited.name, 'bugle');
    assert.equal(edited.volume, 0.5);
    await guild.soundboardSounds.delete(sound);
    await assert.rejects(guild.soundboardSounds.fetch({ soundboardSound: sound.soundId, force: true }), (err: unknown) => err instanceof DiscordAPIError && err.code === 10097);
    await assert.rejects(guild.soundboardSounds.create({ file: Buffer.from('not a sound'), contentType: 'audio/mpeg', name: 'noise' }), (err: unknown) => err instanceof DiscordAPIError && err.code === 50046);
    await waitFor(() => seen.includes('create trumpet') && seen.includes('update bugle') && seen.some((s) => s.startsWith('delete')), { what: 'the soundboard events' });
    assert.deepEqual(await client.rest.get('/soundboard-default-sounds'), []);
  });
});
