/**
 * The POLL_RESULT message (type 46, src/api/messages/poll-result.ts): posted once when a poll ends, early through
 * …/expire or at its expiry by the sweep, replying to the poll, with the `poll_result` embed's fields.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.ts';
import { guildFixture, send, type GuildFixture } from './fixtures.messages.ts';
import { waitFor } from '../helpers/services.ts';

const HOUR = 3_600_000;
let skew = 0;

describe('poll result message', () => {
  let t: TestServer;
  let f: GuildFixture;
  before(async () => {
    t = await startTestServer({}, { now: () => Date.now() + skew });
    f = await guildFixture(t);
  });
  after(() => t.close());

  const poll = {
    question: { text: 'Best fruit?' },
    answers: [{ poll_media: { text: 'Apple', emoji: { name: '🍎' } } }, { poll_media: { text: 'Banana' } }],
    duration: 1,
  };
  const fields = (m: any) => Object.fromEntries(m.embeds[0].fields.map((x: any) => [x.name, x.value]));
  const vote = (who: any, channelId: string, id: string, answers: number[]) =>
    t.request('PUT', `/channels/${channelId}/polls/${id}/answers/@me`, { auth: who, body: { answer_ids: answers } });

  it('ended early: a type 46 message replying to the poll with the winner and the totals', async () => {
    const m = await send(t, f.owner, f.channel.id, { poll });
    assert.equal((await vote(f.owner, f.channel.id, m.id, [1])).status, 204);
    assert.equal((await vote(f.member, f.channel.id, m.id, [1])).status, 204);
    const from = t.events.length;
    assert.equal((await t.request('POST', `/channels/${f.channel.id}/polls/${m.id}/expire`, { auth: f.owner })).status, 200);
    const created = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.type === 46 && e.d.message_reference?.message_id === m.id, from);
    assert.equal(created.d.author.id, f.owner.id);
    assert.deepEqual(created.d.message_reference, { type: 0, message_id: m.id, channel_id: f.channel.id, guild_id: f.guild.id });
    assert.equal(created.d.embeds[0].type, 'poll_result');
    assert.deepEqual(fields(created.d), {
      poll_question_text: 'Best fruit?', victor_answer_votes: '2', total_votes: '2', victor_answer_id: '1', victor_answer_text: 'Apple', victor_answer_emoji_name: '🍎',
    });
    const listed = await t.request('GET', `/channels/${f.channel.id}/messages?limit=1`, { auth: f.member });
    assert.equal(listed.body[0].type, 46);
  });

  it('at its expiry (the sweep): posted once; a tie or no votes names no winner', async () => {
    const m = await send(t, f.owner, f.channel.id, { poll });
    assert.equal((await vote(f.owner, f.channel.id, m.id, [1])).status, 204);
    assert.equal((await vote(f.member, f.channel.id, m.id, [2])).status, 204);
    const from = t.events.length;
    skew += 2 * HOUR;
    const created = await t.waitForEvent('MESSAGE_CREATE', (e) => e.d.type === 46 && e.d.message_reference?.message_id === m.id, from, 5000);
    assert.deepEqual(fields(created.d), { poll_question_text: 'Best fruit?', victor_answer_votes: '0', total_votes: '2' });
    // The finalized MESSAGE_UPDATE went with the same claim; later sweeps post nothing more (the end is claimed once).
    await t.waitForEvent('MESSAGE_UPDATE', (e) => e.d.id === m.id && e.d.poll?.results?.is_finalized === true, from);
    const later = t.events.length;
    const next = await send(t, f.owner, f.channel.id, 'after the sweep');
    await waitFor(() => t.events.slice(later).some((e) => e.t === 'MESSAGE_CREATE' && e.d.id === next.id), { timeoutMs: 3000, what: 'the next message' });
    assert.equal(t.events.slice(from).filter((e) => e.t === 'MESSAGE_CREATE' && e.d.type === 46 && e.d.message_reference?.message_id === m.id).length, 1);
  });
});
