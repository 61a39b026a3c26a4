/**
 * discord.js v14, unpatched, and files: `channel.send({ files })` with a Buffer and a path on disk (multipart with
 * `files[n]` and `payload_json`), then `message.edit` keeping one attachment and adding one. The Attachments
 * discord.js builds carry Discord's fields, and the bytes fetched back from their URLs are the ones sent.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AttachmentBuilder, Client, EmbedBuilder, GatewayIntentBits, MessageFlags, type TextChannel } from 'discord.js';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { oggOpusBytes, waveformBase64 } from '../helpers/voice-message.ts';
import { type BotWorld, botWorld, loggedInClient } from './setup.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fetchBytes = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('discord.js v14 and files', () => {
  let t: TestServer;
  let world: BotWorld;
  let client: Client;
  let dir: string;

  before(async () => {
    t = await startTestServer();
    world = await botWorld(t, 'files');
    dir = mkdtempSync(path.join(os.tmpdir(), 'accord-djs-files-'));
    client = await loggedInClient(t, world.bot.token, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent]);
  });
  after(async () => {
    await client?.destroy();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends a Buffer and a file from disk, then edits keeping one and adding one; the bytes come back the same', async () => {
    const png = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#3050f0' } }).png().toBuffer();
    const report = randomBytes(200 * 1024);
    const onDisk = path.join(dir, 'quarterly report.bin');
    writeFileSync(onDisk, report);

    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const sent = await channel.send({ content: 'two files', files: [png, onDisk] });
    assert.equal(sent.content, 'two files');
    const [image, file] = [...sent.attachments.values()];
    assert.ok(image && file);
    assert.equal(image.name, 'file.jpg', 'discord.js names a bare Buffer file.jpg');
    assert.equal(image.contentType, 'image/png', 'the type comes from the bytes, not the name');
    assert.deepEqual([image.width, image.height, image.size], [64, 32, png.length]);
    assert.equal(file.name, 'quarterly_report.bin');
    assert.equal(file.contentType, 'application/octet-stream');
    assert.deepEqual([file.width, file.height, file.size], [null, null, report.length]);
    assert.equal(image.proxyURL, image.url);
    assert.equal(sha256(await fetchBytes(image.url)), sha256(png));
    assert.equal(sha256(await fetchBytes(file.url)), sha256(report));

    // The same message read back over REST by the library.
    const fetched = await channel.messages.fetch({ message: sent.id, force: true });
    assert.deepEqual([...fetched.attachments.keys()], [image.id, file.id]);

    const added = Buffer.from('added by an edit\n');
    const edited = await sent.edit({ content: 'kept one, added one', attachments: [image], files: [new AttachmentBuilder(added, { name: 'SPOILER_notes.txt', description: 'alt text' })] });
    assert.equal(edited.content, 'kept one, added one');
    const [kept, fresh] = [...edited.attachments.values()];
    assert.equal(edited.attachments.size, 2);
    assert.equal(kept!.id, image.id);
    assert.equal(fresh!.name, 'SPOILER_notes.txt');
    assert.equal(fresh!.spoiler, true);
    assert.equal(fresh!.description, 'alt text');
    assert.equal(fresh!.contentType, 'text/plain; charset=utf-8');
    assert.equal(sha256(await fetchBytes(fresh!.url)), sha256(added));
    assert.equal(sha256(await fetchBytes(kept!.url)), sha256(png));
    // The file the edit left out is deleted after the commit.
    await waitFor(async () => (await fetch(file.url)).status === 404, { timeoutMs: 10_000, what: 'the dropped file to go' });
  });

  it('an EmbedBuilder image set to attachment://<name> shows the uploaded file in the embed, not among the attachments', async () => {
    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const png = await sharp({ create: { width: 24, height: 12, channels: 3, background: '#20a060' } }).png().toBuffer();
    const embed = new EmbedBuilder().setTitle('weekly chart').setImage('attachment://chart.png').setThumbnail('attachment://chart.png');
    const sent = await channel.send({ embeds: [embed], files: [new AttachmentBuilder(png, { name: 'chart.png' }), new AttachmentBuilder(Buffer.from('raw'), { name: 'raw.csv' })] });
    const [shown] = sent.embeds;
    assert.equal(shown?.title, 'weekly chart');
    assert.match(shown!.image!.url, new RegExp(`^${t.url.replace(/[.]/g, '\\.')}/attachments/${world.channel.id}/\\d+/chart\\.png\\?`));
    assert.deepEqual([shown!.image!.width, shown!.image!.height], [24, 12]);
    assert.equal(shown!.thumbnail!.url, shown!.image!.url);
    assert.equal(sha256(await fetchBytes(shown!.image!.proxyURL!)), sha256(png));
    assert.deepEqual([...sent.attachments.values()].map((a) => a.name), ['raw.csv']);
  });

  it('a voice message: AttachmentBuilder.setDuration / setWaveform with MessageFlags.IsVoiceMessage; discord.js reads them back and cannot edit it', async () => {
    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const waveform = waveformBase64(100);
    const file = new AttachmentBuilder(oggOpusBytes(), { name: 'voice-message.ogg' }).setDuration(3.5).setWaveform(waveform);
    const sent = await channel.send({ files: [file], flags: MessageFlags.IsVoiceMessage });
    assert.equal(sent.flags.has(MessageFlags.IsVoiceMessage), true);
    const a = sent.attachments.first()!;
    assert.deepEqual([a.name, a.duration, a.waveform], ['voice-message.ogg', 3.5, waveform]);
    assert.match(a.contentType ?? '', /^audio\/ogg/);
    await assert.rejects(sent.edit({ content: 'now with words' }), (err: { code?: number }) => err.code === 50162);
    await assert.rejects(channel.send({ content: 'and words', files: [file], flags: MessageFlags.IsVoiceMessage }), (err: { code?: number }) => err.code === 50159);
  });

  it('message.forward(channel): the forward holds the snapshot discord.js reads as messageSnapshots, its file a copy', async () => {
    const channel = (await client.channels.fetch(world.channel.id)) as TextChannel;
    const bytes = Buffer.from('a file worth forwarding\n');
    const original = await channel.send({ content: 'forward me', files: [new AttachmentBuilder(bytes, { name: 'fw.txt' })] });
    // Read now: discord.js patches the cached original with the snapshot's fields when the forward arrives.
    const originalFileId = original.attachments.first()!.id;
    const forwarded = await original.forward(channel);
    assert.equal(forwarded.content, '');
    assert.equal(forwarded.reference?.type, 1, 'MessageReferenceType.Forward');
    assert.equal(forwarded.reference?.messageId, original.id);
    assert.equal(forwarded.flags.has(1 << 14), true, 'HasSnapshot');
    const snapshot = forwarded.messageSnapshots.first();
    assert.equal(snapshot?.content, 'forward me');
    const copy = snapshot!.attachments.first()!;
    assert.equal(copy.name, 'fw.txt');
    assert.notEqual(copy.id, originalFileId);
    assert.equal(sha256(await fetchBytes(copy.url)), sha256(bytes));
  });
});
