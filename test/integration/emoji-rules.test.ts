/**
 * Custom emoji rules (src/api/messages/emoji-rules.ts): an emoji restricted to roles is usable only by their
 * holders, another guild's emoji needs membership there and USE_EXTERNAL_EMOJIS; an unusable one is refused as a
 * reaction (400 / 10014) and written as `:name:` in message content.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { addMember, assertError, giveRole, guildWithMember } from './fixtures.guilds.ts';

const USE_EXTERNAL_EMOJIS = 1n << 18n;
const png = () => sharp({ create: { width: 32, height: 32, channels: 4, background: '#3366cc' } }).png().toBuffer();

describe('custom emoji rules', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  async function emoji(guildId: string, owner: any, name: string, roles: string[] = []) {
    const res = await t.request('POST', `/guilds/${guildId}/emojis`, { auth: owner, body: { name, image: `data:image/png;base64,${(await png()).toString('base64')}`, roles } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  const textChannel = async (guildId: string) => (await t.store.channels.listByGuild(guildId)).find((c) => c.type === 0)!;
  const send = (who: any, channelId: string, content: string) => t.request('POST', `/channels/${channelId}/messages`, { auth: who, body: { content } });
  const react = (who: any, channelId: string, messageId: string, e: any) =>
    t.request('PUT', `/channels/${channelId}/messages/${messageId}/reactions/${encodeURIComponent(`${e.name}:${e.id}`)}/@me`, { auth: who });

  it('role-restricted emoji: only holders of one of the roles may react or send it', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const vip = await giveRole(t, owner, guild.id, owner, 0n, 'vip');
    const e = await emoji(guild.id, owner, 'vipwave', [vip.id]);
    const channel = await textChannel(guild.id);
    const m = await send(owner, channel.id, 'hello');
    assertError(await react(member, channel.id, m.body.id, e), 400, 10014);
    assert.equal((await react(owner, channel.id, m.body.id, e)).status, 204);
    const plain = await send(member, channel.id, `hi <:vipwave:${e.id}>`);
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.equal(plain.body.content, 'hi :vipwave:');
    const edited = await t.request('PATCH', `/channels/${channel.id}/messages/${plain.body.id}`, { auth: member, body: { content: `again <:vipwave:${e.id}>` } });
    assert.equal(edited.body.content, 'again :vipwave:');
    const fancy = await send(owner, channel.id, `hi <:vipwave:${e.id}>`);
    assert.equal(fancy.body.content, `hi <:vipwave:${e.id}>`);
    await t.request('PUT', `/guilds/${guild.id}/members/${member.id}/roles/${vip.id}`, { auth: owner });
    assert.equal((await react(member, channel.id, m.body.id, e)).status, 204);
  });

  it("another guild's emoji: needs membership there and USE_EXTERNAL_EMOJIS here", async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const home = await t.createGuild(owner, 'Emoji home');
    const e = await emoji(home.id, owner, 'homeparty');
    const channel = await textChannel(guild.id);
    const m = await send(owner, channel.id, 'hello');
    // Not a member of the emoji's guild.
    assertError(await react(member, channel.id, m.body.id, e), 400, 10014);
    assert.equal((await send(member, channel.id, `<a:homeparty:${e.id}>!`)).body.content, ':homeparty:!');
    await addMember(t, home.id, member);
    assert.equal((await react(member, channel.id, m.body.id, e)).status, 204);
    assert.equal((await send(member, channel.id, `<:homeparty:${e.id}>`)).body.content, `<:homeparty:${e.id}>`);
    // @everyone loses USE_EXTERNAL_EMOJIS in the channel.
    await t.request('PUT', `/channels/${channel.id}/permissions/${guild.id}`, { auth: owner, body: { type: 0, allow: '0', deny: USE_EXTERNAL_EMOJIS.toString() } });
    const m2 = await send(owner, channel.id, 'again');
    assertError(await react(member, channel.id, m2.body.id, e), 400, 10014);
    assert.equal((await send(member, channel.id, `<:homeparty:${e.id}>`)).body.content, ':homeparty:');
    // The guild's own emoji needs no USE_EXTERNAL_EMOJIS.
    const local = await emoji(guild.id, owner, 'localone');
    assert.equal((await react(member, channel.id, m2.body.id, local)).status, 204);
    // Unknown emoji markup is left alone.
    assert.equal((await send(member, channel.id, '<:ghost:123456789012345678>')).body.content, '<:ghost:123456789012345678>');
  });

  it('content naming many emoji of several guilds: each unusable one becomes :name:, the others stay', async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const vip = await giveRole(t, owner, guild.id, owner, 0n, 'vip');
    const restricted = await emoji(guild.id, owner, 'vipmany', [vip.id]);
    const local = await emoji(guild.id, owner, 'localmany');
    const joined = await t.createGuild(owner, 'Joined home');
    await addMember(t, joined.id, member);
    const usableElsewhere = await emoji(joined.id, owner, 'joinedmany');
    const foreign = await emoji((await t.createGuild(owner, 'Foreign home')).id, owner, 'foreignmany');
    const channel = await textChannel(guild.id);
    const content =
      `<:vipmany:${restricted.id}> <:localmany:${local.id}> <a:joinedmany:${usableElsewhere.id}> <:foreignmany:${foreign.id}> ` +
      `<:vipmany:0${restricted.id}> <:ghost:123456789012345678> <:vipmany:${restricted.id}>`;
    const sent = await send(member, channel.id, content);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(
      sent.body.content,
      `:vipmany: <:localmany:${local.id}> <a:joinedmany:${usableElsewhere.id}> :foreignmany: :vipmany: <:ghost:123456789012345678> :vipmany:`,
    );
    // The owner holds the role and is in every guild: nothing changes.
    assert.equal((await send(owner, channel.id, content)).body.content, content);
  });

  it("a forum post's first message follows the same rule as any message", async () => {
    const { owner, member, guild } = await guildWithMember(t);
    const vip = await giveRole(t, owner, guild.id, owner, 0n, 'vip');
    const e = await emoji(guild.id, owner, 'vippost', [vip.id]);
    const forum = (await t.request('POST', `/guilds/${guild.id}/channels`, { auth: owner, body: { name: 'emoji-posts', type: 15 } })).body;
    const post = (who: any) => t.request('POST', `/channels/${forum.id}/threads`, { auth: who, body: { name: 'a post', message: { content: `look <:vippost:${e.id}>` } } });
    const plain = await post(member);
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    assert.equal(plain.body.message.content, 'look :vippost:');
    assert.equal((await t.request('GET', `/channels/${plain.body.id}/messages/${plain.body.id}`, { auth: member })).body.content, 'look :vippost:');
    assert.equal((await post(owner)).body.message.content, `look <:vippost:${e.id}>`);
  });
});
