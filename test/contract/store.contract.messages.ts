/** Contract: messages (with bucket-walking history pages), reactions and pins. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BUCKET_MS, DISCORD_EPOCH, bucketOf } from '../../src/protocol/snowflake.ts';
import { InvalidInputError, NotFoundError } from '../../src/store/errors.ts';
import type { EmojiRef, MessageRecord, Store } from '../../src/store/types.ts';
import { channel, guildWithChannel, idAt, ids, member, message, newId, rejectsWith, user } from './store.fixtures.ts';

const byIdDesc = (a: string, b: string) => (BigInt(a) > BigInt(b) ? -1 : BigInt(a) < BigInt(b) ? 1 : 0);

export function messagesContract(s: () => Store): void {
  describe('messages', () => {
    it('creates, reads back, advances lastMessageId (never backwards)', async () => {
      const { channel: ch, owner, guild } = await guildWithChannel(s());
      const m = message(ch.id, owner.id, {
        guildId: guild.id, content: 'x'.repeat(4000), mentions: [owner.id], embeds: [{ title: 't', fields: [{ name: 'a', value: 'b' }] }],
        attachments: [{ id: '1', filename: 'a.png', size: 1, contentType: 'image/png' }], nonce: 'n1', messageReference: { messageId: newId(), channelId: ch.id }, tts: true,
      });
      assert.deepEqual(await s().messages.create(m), m);
      assert.deepEqual(await s().messages.get(ch.id, m.id), m);
      assert.equal((await s().channels.get(ch.id))?.lastMessageId, m.id);
      assert.deepEqual(await s().channels.getLastMessageId(ch.id), { lastMessageId: m.id });
      const older = await s().messages.create(message(ch.id, owner.id, { id: idAt(Date.now() - 86_400_000) }));
      assert.equal((await s().channels.get(ch.id))?.lastMessageId, m.id);
      assert.deepEqual(await s().channels.getLastMessageId(ch.id), { lastMessageId: m.id });
      const empty = await s().channels.create(channel(guild.id));
      assert.deepEqual(await s().channels.getLastMessageId(empty.id), { lastMessageId: null });
      assert.equal(await s().channels.getLastMessageId(newId()), null);
      assert.notEqual(await s().messages.get(ch.id, older.id), null);
      assert.equal(await s().messages.get(ch.id, newId()), null);
    });
    it('rejects bad input and unknown channels', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      await rejectsWith(s().messages.create(message(ch.id, owner.id, { content: 'x'.repeat(4001) })), InvalidInputError, { field: 'content' });
      await rejectsWith(s().messages.create(message(ch.id, owner.id, { mentions: ['not-an-id'] })), InvalidInputError, { field: 'mentions' });
      await rejectsWith(s().messages.create(message(ch.id, owner.id, { id: '-5' })), InvalidInputError, { field: 'id' });
      await rejectsWith(s().messages.create(message(newId(), owner.id)), NotFoundError, { entity: 'channel' });
      await rejectsWith(s().messages.get(ch.id, 'abc'), InvalidInputError);
    });
    it('updates and deletes (with reactions and pin)', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id));
      const updated = await s().messages.update(ch.id, m.id, { content: 'edited', editedAt: 99, embeds: [{ title: 'e' }], mentionEveryone: true });
      assert.deepEqual(updated, { ...m, content: 'edited', editedAt: 99, embeds: [{ title: 'e' }], mentionEveryone: true });
      await rejectsWith(s().messages.update(ch.id, newId(), { content: 'x' }), NotFoundError, { entity: 'message' });
      await rejectsWith(s().messages.update(ch.id, m.id, { content: 'x'.repeat(4001) }), InvalidInputError, { field: 'content' });
      await s().reactions.add(ch.id, m.id, { id: null, name: '✅' }, owner.id);
      await s().pins.pin(ch.id, m.id, 5);
      await s().messages.delete(ch.id, m.id);
      assert.equal(await s().messages.get(ch.id, m.id), null);
      assert.equal(await s().pins.count(ch.id), 0);
      assert.equal((await s().reactions.summarize(ch.id, [m.id], owner.id)).size, 0);
      await rejectsWith(s().messages.delete(ch.id, m.id), NotFoundError, { entity: 'message' });
    });
    it('an update that adds a poll (pollAdded) has its end announced when it comes; a poll patched otherwise ends it', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id));
      const expiresAt = Date.now() + 3_600_000;
      const poll = { question: 'Lunch?', answers: [{ id: 1, text: 'Pizza' }, { id: 2, text: 'Salad' }], expiresAt, allowMultiselect: false, layoutType: 1 };
      const due = async () => (await s().pollVotes.dueEndings(expiresAt + 1, 1000)).filter((e) => e.messageId === m.id);
      const withPoll = await s().messages.update(ch.id, m.id, { poll }, { pollAdded: true });
      assert.deepEqual(withPoll.poll, poll);
      assert.equal((await due()).length, 1, 'its end is due');
      await s().messages.update(ch.id, m.id, { poll: { ...poll, expiresAt: Date.now() } });
      assert.equal((await due()).length, 0, 'ended early: nothing left to announce');
    });
    it('bulk deletes the ids that exist in the channel', async () => {
      const { channel: ch, owner, guild } = await guildWithChannel(s());
      const other = await s().channels.create(channel(guild.id));
      const base = Date.now() - 20 * 86_400_000;
      const ms: MessageRecord[] = [];
      for (let i = 0; i < 6; i++) ms.push(await s().messages.create(message(ch.id, owner.id, { id: idAt(base + i * 4 * 86_400_000) })));
      const elsewhere = await s().messages.create(message(other.id, owner.id));
      await s().reactions.add(ch.id, ms[0].id, { id: null, name: 'a' }, owner.id);
      const deleted = await s().messages.bulkDelete(ch.id, [ms[0].id, ms[3].id, newId(), elsewhere.id, ms[5].id]);
      assert.deepEqual(deleted, [ms[0].id, ms[3].id, ms[5].id]);
      assert.deepEqual(ids(await s().messages.list(ch.id)), [ms[4].id, ms[2].id, ms[1].id]);
      assert.notEqual(await s().messages.get(other.id, elsewhere.id), null);
      assert.deepEqual(await s().messages.bulkDelete(ch.id, []), []);
      assert.deepEqual(ids(await s().messages.getMany(ch.id, [ms[4].id, ms[0].id, ms[1].id, elsewhere.id])), [ms[4].id, ms[1].id]);
    });
    it('finds by nonce within the time window, newest first', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const other = await s().users.create(user());
      const now = Date.now();
      const old = await s().messages.create(message(ch.id, owner.id, { id: idAt(now - 600_000), nonce: 'abc' }));
      assert.equal(await s().messages.findByNonce(ch.id, owner.id, 'abc', now - 60_000), null);
      assert.equal((await s().messages.findByNonce(ch.id, owner.id, 'abc', now - 3_600_000))?.id, old.id);
      const fresh = await s().messages.create(message(ch.id, owner.id, { id: idAt(now), nonce: 'abc' }));
      await s().messages.create(message(ch.id, other.id, { id: idAt(now + 1), nonce: 'abc' }));
      assert.equal((await s().messages.findByNonce(ch.id, owner.id, 'abc', now - 60_000))?.id, fresh.id);
      assert.equal(await s().messages.findByNonce(ch.id, owner.id, 'abd', now - 60_000), null);
    });
  });

  describe('outbox records written with message writes', () => {
    const record = (subject: string) => ({ id: newId(), kind: 'event' as const, subject, payload: JSON.stringify({ t: 'X', d: {} }), createdAt: Date.now() });
    const pendingIds = async (subjects: string[]) => (await s().outbox.pending({ limit: 1000 })).filter((r) => subjects.includes(r.subject)).map((r) => r.id);

    it('stores each write\'s records with it, lists them oldest first, and forgets them once done', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const tag = `t${newId()}`;
      const [a, b, c, d, e] = [record(`${tag}.a`), record(`${tag}.b`), record(`${tag}.c`), record(`${tag}.d`), record(`${tag}.e`)];
      const m = await s().messages.create(message(ch.id, owner.id), { outbox: [a] });
      await s().messages.update(ch.id, m.id, { content: 'edited' }, { outbox: [b] });
      const emoji: EmojiRef = { id: null, name: '👍' };
      assert.equal(await s().reactions.add(ch.id, m.id, emoji, owner.id, { outbox: [c] }), true);
      // A write that changes nothing stores nothing.
      assert.equal(await s().reactions.add(ch.id, m.id, emoji, owner.id, { outbox: [record(`${tag}.a`)] }), false);
      const n = await s().messages.create(message(ch.id, owner.id));
      assert.deepEqual(await s().messages.bulkDelete(ch.id, [n.id, newId()], { outbox: (gone) => (gone.length === 1 ? [d] : []) }), [n.id]);
      await s().messages.delete(ch.id, m.id, { outbox: [e] });
      const subjects = [a, b, c, d, e].map((r) => r.subject);
      assert.deepEqual(await pendingIds(subjects), [a, b, c, d, e].map((r) => r.id));
      assert.deepEqual((await s().outbox.pending({ limit: 1000, createdBefore: 0 })).filter((r) => subjects.includes(r.subject)), []);
      await s().outbox.done([a.id, c.id, newId()]);
      assert.deepEqual(await pendingIds(subjects), [b.id, d.id, e.id]);
    });

    it('a write that fails stores none of its records', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const tag = `f${newId()}`;
      const r1 = record(`${tag}.a`);
      await rejectsWith(s().messages.create(message(ch.id, owner.id, { content: 'x'.repeat(4001) }), { outbox: [r1] }), InvalidInputError, { field: 'content' });
      await rejectsWith(s().messages.delete(ch.id, newId(), { outbox: [record(`${tag}.b`)] }), NotFoundError, {});
      await rejectsWith(s().messages.update(ch.id, newId(), { content: 'y' }, { outbox: [record(`${tag}.c`)] }), NotFoundError, {});
      // Into a channel that does not exist: refused as the channel's, with nothing of it stored.
      const lost = message(newId(), owner.id);
      await rejectsWith(s().messages.create(lost, { outbox: [record(`${tag}.d`), record(`${tag}.e`)] }), NotFoundError, { entity: 'channel' });
      assert.deepEqual(await pendingIds([`${tag}.a`, `${tag}.b`, `${tag}.c`, `${tag}.d`, `${tag}.e`]), []);
      assert.equal(await s().messages.get(lost.channelId, lost.id), null);
    });

    it('a create with several records stores the message, advances the channel and keeps every record', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const tag = `m${newId()}`;
      const records = [record(`${tag}.a`), record(`${tag}.b`), record(`${tag}.c`)];
      const older = await s().messages.create(message(ch.id, owner.id), { outbox: records.slice(0, 1) });
      const newer = await s().messages.create(message(ch.id, owner.id), { outbox: records.slice(1) });
      assert.equal((await s().messages.get(ch.id, newer.id))?.id, newer.id);
      assert.equal((await s().channels.get(ch.id))?.lastMessageId, newer.id);
      assert.deepEqual(await pendingIds(records.map((r) => r.subject)), records.map((r) => r.id));
      // An older id arriving late does not move the channel back.
      await s().messages.create(message(ch.id, owner.id, { id: String(BigInt(older.id) - 1n) }), { outbox: [record(`${tag}.d`)] });
      assert.equal((await s().channels.get(ch.id))?.lastMessageId, newer.id);
    });

    it('pins and unpins store their records only when the pin changed', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const tag = `p${newId()}`;
      const m = await s().messages.create(message(ch.id, owner.id));
      const [a, b, c, d] = [record(`${tag}.a`), record(`${tag}.b`), record(`${tag}.c`), record(`${tag}.d`)];
      assert.equal(await s().pins.pin(ch.id, m.id, Date.now(), { outbox: [a] }), true);
      assert.equal(await s().pins.pin(ch.id, m.id, Date.now(), { outbox: [b] }), false);
      assert.equal(await s().pins.unpin(ch.id, m.id, { outbox: [c] }), true);
      assert.equal(await s().pins.unpin(ch.id, m.id, { outbox: [d] }), false);
      assert.deepEqual(await pendingIds([a, b, c, d].map((r) => r.subject)), [a.id, c.id]);
    });

    it('a ban stores the records its result calls for, in its own transaction', async () => {
      const { channel: ch, guild } = await guildWithChannel(s());
      const tag = `b${newId()}`;
      const target = await s().users.create(user());
      await s().members.add(member(guild.id, target.id));
      const m = await s().messages.create(message(ch.id, target.id));
      const result = await s().bans.create({ guildId: guild.id, userId: target.id, reason: null, createdAt: Date.now() }, Date.now() - 60_000, {
        outbox: ({ deletedMessages, wasMember }) => [
          record(`${tag}.ban`),
          ...(wasMember ? [record(`${tag}.member`)] : []),
          ...[...deletedMessages].map(([channelId, ids]) => record(`${tag}.${channelId}.${ids.join(',')}`)),
        ],
      });
      assert.equal(result.wasMember, true);
      const pending = (await s().outbox.pending({ limit: 1000 })).filter((r) => r.subject.startsWith(tag)).map((r) => r.subject);
      assert.deepEqual(pending, [`${tag}.ban`, `${tag}.member`, `${tag}.${ch.id}.${m.id}`]);
      // Records that cannot be written undo the ban with them.
      const other = await s().users.create(user());
      await assert.rejects(s().bans.create({ guildId: guild.id, userId: other.id, reason: null, createdAt: Date.now() }, undefined, {
        outbox: () => { throw new Error('records could not be built'); },
      }));
      assert.equal(await s().bans.get(guild.id, other.id), null);
    });

    it('deletes hand their records the attachments of the messages they removed; channel and guild deletes store theirs', async () => {
      const { channel: ch, owner, guild } = await guildWithChannel(s());
      const file = (id: string) => ({ id, filename: `${id}.png`, size: 1, contentType: 'image/png' });
      const [f1, f2, f3, f4] = [newId(), newId(), newId(), newId()];
      const one = await s().messages.create(message(ch.id, owner.id, { attachments: [file(f1)] }));
      const two = await s().messages.create(message(ch.id, owner.id, { attachments: [file(f2), file(f3)] }));
      const bare = await s().messages.create(message(ch.id, owner.id));
      const seen: unknown[] = [];
      await s().messages.delete(ch.id, one.id, { outbox: (_r, removed) => (seen.push(removed), []) });
      await s().messages.bulkDelete(ch.id, [two.id, bare.id, newId()], { outbox: (_gone, removed) => (seen.push(removed), []) });
      const target = await s().users.create(user());
      await s().members.add(member(guild.id, target.id));
      await s().messages.create(message(ch.id, target.id, { attachments: [file(f4)] }));
      await s().bans.create({ guildId: guild.id, userId: target.id, reason: null, createdAt: Date.now() }, Date.now() - 60_000, { outbox: (_r, removed) => (seen.push(removed), []) });
      assert.deepEqual(seen, [
        [{ channelId: ch.id, attachmentId: f1 }],
        [{ channelId: ch.id, attachmentId: f2 }, { channelId: ch.id, attachmentId: f3 }],
        [{ channelId: ch.id, attachmentId: f4 }],
      ]);

      const tag = `d${newId()}`;
      const second = await s().channels.create(channel(guild.id));
      await s().channels.delete(second.id, { outbox: [record(`${tag}.channel`)] });
      let channels: string[] = [];
      await s().guilds.delete(guild.id, { outbox: (ids) => ((channels = ids), [record(`${tag}.guild`)]) });
      assert.deepEqual(channels, [ch.id]);
      const pending = (await s().outbox.pending({ limit: 1000 })).filter((r) => r.subject.startsWith(tag)).map((r) => r.subject);
      assert.deepEqual(pending, [`${tag}.channel`, `${tag}.guild`]);
    });
  });

  describe('message history pages (bucket walk)', () => {
    // 30 non-empty buckets separated by 50 empty ones (~41 years of ids, up to ~2061), 7 messages each, in one channel.
    let chId = '';
    let all: string[] = []; // newest first
    const emptyCh = { id: '' };
    const oneBucket = { id: '', all: [] as string[] };
    before(async () => {
      const { channel: ch, owner, guild } = await guildWithChannel(s());
      chId = ch.id;
      const firstBucket = 200; // ~5.5 years after the Discord epoch
      const made: string[] = [];
      for (let b = 0; b < 30; b++) {
        const bucketStart = Number(DISCORD_EPOCH) + (firstBucket + b * 51) * BUCKET_MS;
        for (let j = 0; j < 7; j++) made.push(idAt(bucketStart + j * 3_600_000 + (j === 0 ? 0 : 17), j));
      }
      // Inserted in a scrambled order: ordering must come from ids.
      for (const i of made.map((_, i) => i).sort((a, b) => ((a * 7919) % made.length) - ((b * 7919) % made.length))) {
        await s().messages.create(message(ch.id, owner.id, { id: made[i], content: `m${i}` }));
      }
      all = [...made].sort(byIdDesc);
      assert.equal(new Set(all.map((m) => bucketOf(m))).size, 30);
      emptyCh.id = (await s().channels.create(channel(guild.id))).id;
      const single = await s().channels.create(channel(guild.id));
      oneBucket.id = single.id;
      const start = Number(DISCORD_EPOCH) + 1000 * BUCKET_MS;
      for (let j = 0; j < 12; j++) {
        const m = idAt(start + j * 1000);
        await s().messages.create(message(single.id, owner.id, { id: m }));
        oneBucket.all.unshift(m);
      }
    });

    it('an empty channel has no pages', async () => {
      assert.deepEqual(await s().messages.list(emptyCh.id), []);
      assert.deepEqual(await s().messages.list(emptyCh.id, { before: newId() }), []);
      assert.deepEqual(await s().messages.list(emptyCh.id, { after: '0' }), []);
      assert.deepEqual(await s().messages.list(emptyCh.id, { around: newId() }), []);
      assert.deepEqual(await s().messages.list(newId()), []);
    });
    it('one bucket: newest first, limits, before, after', async () => {
      const o = oneBucket;
      assert.deepEqual(ids(await s().messages.list(o.id)), o.all);
      assert.deepEqual(ids(await s().messages.list(o.id, { limit: 1 })), o.all.slice(0, 1));
      assert.deepEqual(ids(await s().messages.list(o.id, { before: o.all[3], limit: 4 })), o.all.slice(4, 8));
      assert.deepEqual(ids(await s().messages.list(o.id, { after: o.all[8], limit: 2 })), o.all.slice(6, 8));
      assert.deepEqual(ids(await s().messages.list(o.id, { after: o.all[1] })), o.all.slice(0, 1));
      assert.deepEqual(ids(await s().messages.list(o.id, { after: o.all[0] })), []);
    });
    it('latest page and limits 1, 50 (default), 100 across empty buckets', async () => {
      assert.deepEqual(ids(await s().messages.list(chId)), all.slice(0, 50));
      assert.deepEqual(ids(await s().messages.list(chId, { limit: 1 })), all.slice(0, 1));
      assert.deepEqual(ids(await s().messages.list(chId, { limit: 100 })), all.slice(0, 100));
    });
    it('rejects limits outside 1–100', async () => {
      for (const limit of [0, 101, Number.NaN, 2.5, -1]) {
        await rejectsWith(s().messages.list(chId, { limit }), InvalidInputError, { field: 'limit' });
      }
      await rejectsWith(s().messages.list(chId, { before: 'x' }), InvalidInputError);
    });
    it('before: pages at many depths match the reference order', async () => {
      for (const depth of [0, 1, 6, 7, 8, 50, 99, 100, 150, 203, 208, 209]) {
        for (const limit of [1, 3, 50, 100]) {
          assert.deepEqual(ids(await s().messages.list(chId, { before: all[depth], limit })), all.slice(depth + 1, depth + 1 + limit), `before #${depth} limit ${limit}`);
        }
      }
      // A bound that is not a message id, beyond the newest and below the oldest.
      const between = (BigInt(all[10]) - 1n).toString();
      assert.deepEqual(ids(await s().messages.list(chId, { before: between, limit: 5 })), all.slice(11, 16));
      assert.deepEqual(ids(await s().messages.list(chId, { before: idAt(Date.UTC(2080, 0, 1)), limit: 5 })), all.slice(0, 5));
      assert.deepEqual(await s().messages.list(chId, { before: all[all.length - 1] }), []);
    });
    it('paging with before walks every message exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = ids(await s().messages.list(chId, { before: cursor, limit: 37 }));
        if (page.length === 0) break;
        seen.push(...page);
        cursor = page[page.length - 1];
      }
      assert.deepEqual(seen, all);
    });
    it('after: the oldest newer messages, returned newest first', async () => {
      const asc = [...all].reverse();
      for (const depth of [0, 1, 6, 7, 50, 120, 205, 209]) {
        for (const limit of [1, 4, 50, 100]) {
          const expected = asc.slice(depth + 1, depth + 1 + limit).reverse();
          assert.deepEqual(ids(await s().messages.list(chId, { after: asc[depth], limit })), expected, `after #${depth} limit ${limit}`);
        }
      }
      assert.deepEqual(ids(await s().messages.list(chId, { after: '0', limit: 3 })), asc.slice(0, 3).reverse());
      assert.deepEqual(await s().messages.list(chId, { after: all[0] }), []);
    });
    it('before with after: the newest messages between both bounds', async () => {
      assert.deepEqual(ids(await s().messages.list(chId, { before: all[10], after: all[20], limit: 100 })), all.slice(11, 20));
      assert.deepEqual(ids(await s().messages.list(chId, { before: all[10], after: all[100], limit: 5 })), all.slice(11, 16));
    });
    it('around: ceil(limit/2) at or below the id (itself first), floor(limit/2) above', async () => {
      const i = 100;
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[i], limit: 1 })), [all[i]]);
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[i], limit: 2 })), all.slice(i - 1, i + 1));
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[i], limit: 5 })), all.slice(i - 2, i + 3));
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[i], limit: 50 })), all.slice(i - 25, i + 25));
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[i], limit: 100 })), all.slice(i - 50, i + 50));
      // Near the ends a side is short and is not filled from the other.
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[2], limit: 10 })), all.slice(0, 7));
      assert.deepEqual(ids(await s().messages.list(chId, { around: all[208], limit: 10 })), all.slice(203, 210));
      // An id that is not a message: the nearest older ones count as the older side.
      const gap = (BigInt(all[i]) + 1n).toString();
      assert.deepEqual(ids(await s().messages.list(chId, { around: gap, limit: 4 })), all.slice(i - 2, i + 2));
    });
  });

  describe('reactions', () => {
    const thumbs: EmojiRef = { id: null, name: '👍' };
    it('adds idempotently, removes, counts per emoji with `me`, in first-reaction order', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id));
      const m2 = await s().messages.create(message(ch.id, owner.id));
      const custom: EmojiRef = { id: newId(), name: 'party', animated: true };
      const [a, b] = [newId(), newId()];
      assert.equal(await s().reactions.add(ch.id, m.id, custom, a), true);
      assert.equal(await s().reactions.add(ch.id, m.id, thumbs, a), true);
      assert.equal(await s().reactions.add(ch.id, m.id, thumbs, a), false);
      assert.equal(await s().reactions.add(ch.id, m.id, thumbs, b), true);
      assert.equal(await s().reactions.add(ch.id, m.id, { ...custom, name: 'renamed' }, b), true); // same custom emoji by id
      assert.equal(await s().reactions.add(ch.id, m2.id, thumbs, b), true);
      assert.equal(await s().reactions.countEmojis(ch.id, m.id), 2);
      const summary = await s().reactions.summarize(ch.id, [m.id, m2.id, newId()], b);
      // A custom emoji is identified by id; its name is whichever name the store kept.
      const first = summary.get(m.id)!;
      assert.deepEqual(first.map((r) => [r.emoji.id, r.emoji.animated ?? false, r.count, r.me]), [[custom.id, true, 2, true], [null, false, 2, true]]);
      assert.ok(['party', 'renamed'].includes(first[0].emoji.name));
      assert.deepEqual(first[1], { messageId: m.id, emoji: { id: null, name: '👍' }, count: 2, me: true });
      assert.deepEqual(summary.get(m2.id), [{ messageId: m2.id, emoji: thumbs, count: 1, me: true }]);
      const anon = await s().reactions.summarize(ch.id, [m.id], null);
      assert.deepEqual(anon.get(m.id)?.map((r) => r.me), [false, false]);
      assert.equal(await s().reactions.remove(ch.id, m.id, thumbs, a), true);
      assert.equal(await s().reactions.remove(ch.id, m.id, thumbs, a), false);
      assert.equal((await s().reactions.summarize(ch.id, [m.id], a)).get(m.id)?.[1].count, 1);
    });
    it('lists users ascending with after and limit', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id));
      const users = Array.from({ length: 7 }, () => newId());
      for (const u of [...users].reverse()) await s().reactions.add(ch.id, m.id, thumbs, u);
      assert.deepEqual(await s().reactions.listUsers(ch.id, m.id, thumbs), users);
      assert.deepEqual(await s().reactions.listUsers(ch.id, m.id, thumbs, { limit: 3 }), users.slice(0, 3));
      assert.deepEqual(await s().reactions.listUsers(ch.id, m.id, thumbs, { after: users[2], limit: 3 }), users.slice(3, 6));
      assert.deepEqual(await s().reactions.listUsers(ch.id, m.id, { id: null, name: '👎' }), []);
      await rejectsWith(s().reactions.listUsers(ch.id, m.id, thumbs, { limit: 101 }), InvalidInputError, { field: 'limit' });
    });
    it('removes one emoji or all, and rejects unknown messages', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const m = await s().messages.create(message(ch.id, owner.id));
      await s().reactions.add(ch.id, m.id, thumbs, owner.id);
      await s().reactions.add(ch.id, m.id, { id: null, name: '🎉' }, owner.id);
      await s().reactions.removeEmoji(ch.id, m.id, thumbs);
      assert.equal(await s().reactions.countEmojis(ch.id, m.id), 1);
      await s().reactions.removeAll(ch.id, m.id);
      assert.equal(await s().reactions.countEmojis(ch.id, m.id), 0);
      await rejectsWith(s().reactions.add(ch.id, newId(), thumbs, owner.id), NotFoundError, { entity: 'message' });
      await rejectsWith(s().reactions.add(ch.id, m.id, { id: null, name: '' }, owner.id), InvalidInputError);
    });
  });

  describe('pins', () => {
    it('pins once, sets message.pinned and channel.lastPinTimestamp, lists newest first, unpins', async () => {
      const { channel: ch, owner } = await guildWithChannel(s());
      const a = await s().messages.create(message(ch.id, owner.id));
      const b = await s().messages.create(message(ch.id, owner.id));
      assert.equal(await s().pins.pin(ch.id, a.id, 1000), true);
      assert.equal(await s().pins.pin(ch.id, a.id, 1500), false);
      assert.equal(await s().pins.pin(ch.id, b.id, 2000), true);
      assert.equal((await s().messages.get(ch.id, a.id))?.pinned, true);
      assert.equal((await s().channels.get(ch.id))?.lastPinTimestamp, 2000);
      assert.deepEqual(await s().pins.list(ch.id), [
        { channelId: ch.id, messageId: b.id, pinnedAt: 2000 },
        { channelId: ch.id, messageId: a.id, pinnedAt: 1000 },
      ]);
      assert.equal(await s().pins.count(ch.id), 2);
      assert.equal(await s().pins.unpin(ch.id, a.id), true);
      assert.equal(await s().pins.unpin(ch.id, a.id), false);
      assert.equal((await s().messages.get(ch.id, a.id))?.pinned, false);
      assert.equal(await s().pins.count(ch.id), 1);
      await rejectsWith(s().pins.pin(ch.id, newId(), 1), NotFoundError, { entity: 'message' });
    });
  });
}
