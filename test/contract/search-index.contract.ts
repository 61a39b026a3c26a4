/**
 * The SearchIndex contract (src/search/search-index.ts), run against every implementation with no opt-outs.
 * `factory` returns a fresh, empty index each call.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SEARCH_TOTAL_LIMIT, type SearchDocument, type SearchIndex, type SearchQuery } from '../../src/search/search-index.ts';

export interface SearchIndexUnderTest {
  index: SearchIndex;
  cleanup(): Promise<void>;
}

export type SearchIndexFactory = () => Promise<SearchIndexUnderTest>;

// Snowflake-sized ids; message ids grow with time. Two guilds, DM channel without a guild.
const G1 = '900000000000000001';
const G2 = '900000000000000002';
const C1 = '910000000000000001';
const C2 = '910000000000000002';
const C3 = '910000000000000003'; // in G2
const DM = '910000000000000009';
const ALICE = '920000000000000001';
const BOB = '920000000000000002';
const HOOK = '920000000000000003';
const ROLE = '930000000000000001';
const ROLE2 = '930000000000000002';
/** Message ids above 2^53 so that any float conversion would show. */
const mid = (n: number) => (1_100_000_000_000_000_000n + BigInt(n) * 4_194_304n).toString();

function doc(n: number, content: string, over: Partial<SearchDocument> = {}): SearchDocument {
  return {
    id: mid(n), guildId: G1, channelId: C1, authorId: ALICE, authorType: 'user', content, mentions: [], mentionRoles: [],
    mentionEveryone: false, has: [], pinned: false, ...over,
  };
}

function query(over: Partial<SearchQuery> = {}): SearchQuery {
  return { channelIds: [C1, C2, C3, DM], sortBy: 'timestamp', sortOrder: 'desc', offset: 0, limit: 25, ...over };
}

const ids = (...ns: number[]) => ns.map(mid);

export function searchIndexContract(name: string, factory: SearchIndexFactory): void {
  describe(`search index contract: ${name}`, () => {
    let current: SearchIndexUnderTest | undefined;
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });
    const open = async (docs: SearchDocument[] = []) => {
      current = await factory();
      if (docs.length) await current.index.upsert(docs);
      return current.index;
    };
    /** Ids found for `content` (all of them, newest first). */
    const find = async (index: SearchIndex, content: string, over: Partial<SearchQuery> = {}) => (await index.search(query({ content, limit: 100, ...over }))).ids;

    it('finds words, as prefixes too, and needs every word', async () => {
      const index = await open([
        doc(1, 'The quick brown fox jumps'),
        doc(2, 'a quickly written note'),
        doc(3, 'brown bread'),
      ]);
      assert.deepEqual(await find(index, 'quick'), ids(2, 1));
      assert.deepEqual(await find(index, 'qui'), ids(2, 1));
      assert.deepEqual(await find(index, 'brown'), ids(3, 1));
      assert.deepEqual(await find(index, 'quick brown'), ids(1));
      assert.deepEqual(await find(index, 'fox bread'), []);
      assert.deepEqual(await find(index, 'nothing'), []);
      // One letter matches whole words only (as a prefix it would match a tenth of the vocabulary).
      assert.deepEqual(await find(index, 'b'), []);
      assert.deepEqual(await find(index, 'br'), ids(3, 1));
      assert.deepEqual(await find(index, 'A'), ids(2));
    });

    it('matches "quoted phrases" exactly and in order', async () => {
      const index = await open([
        doc(1, 'the quick brown fox'),
        doc(2, 'brown quick fox'),
        doc(3, 'the quickest brown fox'),
      ]);
      assert.deepEqual(await find(index, '"quick brown"'), ids(1));
      assert.deepEqual(await find(index, '"brown quick" fox'), ids(2));
      assert.deepEqual(await find(index, '"QUICK Brown" "fox"'), ids(1));
      // An unbalanced quote runs to the end.
      assert.deepEqual(await find(index, 'the "quick brown'), ids(1));
    });

    it('folds case and accents, both ways', async () => {
      const index = await open([
        doc(1, 'Meet me at the Café'),
        doc(2, 'CAFE OPEN'),
        doc(3, 'naïve Ærøskøbing résumé'),
        doc(4, 'ＦＵＬＬＷＩＤＴＨ text'),
      ]);
      assert.deepEqual(await find(index, 'cafe'), ids(2, 1));
      assert.deepEqual(await find(index, 'CAFÉ'), ids(2, 1));
      assert.deepEqual(await find(index, 'naive resume'), ids(3));
      assert.deepEqual(await find(index, 'RÉSUMÉ'), ids(3));
      assert.deepEqual(await find(index, 'fullwidth'), ids(4));
    });

    it('finds Chinese, Japanese and Korean text by a substring of two or three characters', async () => {
      const index = await open([
        doc(1, '我们明天在北京见面吧'),
        doc(2, '東京タワーに行きました'),
        doc(3, 'ガラスの靴'),
        doc(4, '한국어 검색 테스트입니다'),
        doc(5, 'mixed 北京 and English'),
      ]);
      assert.deepEqual(await find(index, '北京'), ids(5, 1));
      assert.deepEqual(await find(index, '明天在'), ids(1));
      assert.deepEqual(await find(index, 'タワー'), ids(2));
      assert.deepEqual(await find(index, '東京'), ids(2));
      assert.deepEqual(await find(index, '行き'), ids(2));
      // Voiced kana are not "accents": カラス is another word.
      assert.deepEqual(await find(index, 'ガラス'), ids(3));
      assert.deepEqual(await find(index, 'カラス'), []);
      assert.deepEqual(await find(index, '테스트'), ids(4));
      assert.deepEqual(await find(index, '北京 english'), ids(5));
      assert.deepEqual(await find(index, '京东'), []);
    });

    it('finds emoji', async () => {
      const index = await open([
        doc(1, 'party time 🎉🎉'),
        doc(2, 'thumbs 👍🏽 up'),
        doc(3, 'no emoji here'),
        doc(4, 'flag 🇫🇷 and 🎉'),
      ]);
      assert.deepEqual(await find(index, '🎉'), ids(4, 1));
      assert.deepEqual(await find(index, '👍'), ids(2));
      assert.deepEqual(await find(index, 'time🎉'), ids(1));
      assert.deepEqual(await find(index, '🇫🇷'), ids(4));
    });

    it('finds partial words when no whole word matches', async () => {
      const index = await open([doc(1, 'I love TypeScript'), doc(2, 'javascript too'), doc(3, 'nothing')]);
      assert.deepEqual(await find(index, 'script'), ids(2, 1));
      assert.deepEqual(await find(index, 'Script love'), ids(1));
      assert.deepEqual(await find(index, 'zzz'), []);
    });

    it('never fails on hostile query strings', async () => {
      const index = await open([doc(1, 'hello world (parens) "quoted" a*b NEAR OR AND NOT 🎉'), doc(2, 'other')]);
      const hostile = [
        '', ' ', '"', '""', '"""', "'", "''", '*', '**', 'hello*', '*hello', '(', ')', '()', '(hello', 'hello)', 'NEAR', 'NEAR(hello world)',
        'hello NEAR world', 'AND', 'OR', 'NOT', 'hello OR world', 'hello AND', 'NOT hello', '-hello', '+hello', 'hello:world', 'body:hello', '^hello',
        '{hello}', '[hello]', '\\', '\\"', '%', '_', '%_%', '&', '|', '!', '<->', 'hello <-> world', "hello'world", ':*', 'a:*', '\u0000', '🎉',
        '🎉*', '😀😀😀', 'x'.repeat(5000), 'a '.repeat(300), '"'.repeat(99), '\u200d', '\ufe0f', '\uD83D', 'SELECT * FROM search_docs; --', 'abc\u0000def', 'zz\u0000', '"hello\u0000world"',
        '%hello%', 'hel_o', 'c910000000000000001', 'scope', 'scope:hello', 'body : hello',
      ];
      for (const content of hostile) {
        for (const sortBy of ['timestamp', 'relevance'] as const) {
          const r = await index.search(query({ content, sortBy }));
          assert.ok(r.total >= 0 && r.ids.length <= r.total, `query ${JSON.stringify(content.slice(0, 40))}`);
        }
      }
      // Nor on odd paging.
      assert.deepEqual(await index.search(query({ content: 'hello', offset: -5, limit: 10 })), { total: 1, ids: ids(1) });
      assert.deepEqual(await index.search(query({ content: 'hello', limit: 0 })), { total: 1, ids: [] });
      // Operators are plain words; parentheses and quotes are not syntax.
      assert.deepEqual(await find(index, 'NEAR'), ids(1));
      assert.deepEqual(await find(index, 'hello OR nothing'), []);
      assert.deepEqual(await find(index, '(parens)'), ids(1));
      // Filter bookkeeping an index may keep is never found as text.
      assert.deepEqual(await find(index, `c${C1}`), []);
      assert.deepEqual(await find(index, `g${G1}`), []);
      assert.deepEqual(await find(index, `a${ALICE}`), []);
      // Blank content matches everything; punctuation alone matches nothing.
      assert.equal((await index.search(query({ content: '   ' }))).total, 2);
      assert.equal((await index.search(query({ content: '*' }))).total, 0);
    });

    it('filters by channel, author, author type, mentions, @everyone, has and pinned', async () => {
      const index = await open([
        doc(1, 'alpha', { has: ['link', 'embed'], mentions: [BOB] }),
        doc(2, 'alpha', { channelId: C2, authorId: BOB, has: ['image', 'file'], pinned: true }),
        doc(3, 'alpha', { guildId: G2, channelId: C3, authorId: HOOK, authorType: 'webhook', mentionEveryone: true }),
        doc(4, 'alpha', { guildId: null, channelId: DM, authorId: BOB, authorType: 'bot', mentions: [ALICE, BOB], has: ['link'] }),
        doc(5, 'alpha', { mentionRoles: [ROLE], has: ['sticker', 'poll', 'snapshot', 'video', 'sound'] }),
      ]);
      const f = (over: Partial<SearchQuery>) => find(index, 'alpha', over);
      assert.deepEqual(await f({}), ids(5, 4, 3, 2, 1));
      assert.deepEqual(await f({ channelIds: [C2, DM] }), ids(4, 2));
      assert.deepEqual(await f({ channelIds: [] }), []);
      assert.deepEqual(await f({ channelIds: [C1, C3] }), ids(5, 3, 1), 'every channel of G2, some of G1');
      assert.deepEqual(await f({ channelIds: [C1, C2, '1'] }), ids(5, 2, 1), 'every channel of G1, and an unknown one');
      assert.deepEqual(await f({ authorIds: [BOB] }), ids(4, 2));
      assert.deepEqual(await f({ authorIds: [BOB, HOOK], channelIds: [C3] }), ids(3));
      assert.deepEqual(await f({ authorTypes: ['webhook', 'bot'] }), ids(4, 3));
      assert.deepEqual(await f({ authorTypes: ['user'] }), ids(5, 2, 1));
      assert.deepEqual(await f({ mentions: [BOB] }), ids(4, 1));
      assert.deepEqual(await f({ mentions: [ALICE] }), ids(4));
      assert.deepEqual(await f({ mentions: [ROLE] }), [], 'role mentions are not user mentions');
      assert.deepEqual(await f({ mentionEveryone: true }), ids(3));
      assert.deepEqual(await f({ mentionEveryone: false }), ids(5, 4, 2, 1));
      assert.deepEqual(await f({ has: ['link'] }), ids(4, 1));
      assert.deepEqual(await f({ has: ['link', 'embed'] }), ids(1), 'every has value must hold');
      assert.deepEqual(await f({ has: ['image', 'file'] }), ids(2));
      assert.deepEqual(await f({ has: ['sticker', 'poll', 'snapshot', 'video', 'sound'] }), ids(5));
      assert.deepEqual(await f({ has: ['image', 'link'] }), []);
      assert.deepEqual(await f({ hasNot: ['link'] }), ids(5, 3, 2), 'a negated value excludes');
      assert.deepEqual(await f({ hasNot: ['link', 'image'] }), ids(5, 3), 'no negated value may hold');
      assert.deepEqual(await f({ has: ['link'], hasNot: ['embed'] }), ids(4));
      assert.deepEqual(await f({ has: ['image'], hasNot: ['image'] }), []);
      assert.deepEqual(await f({ hasNot: ['image'], sortBy: 'relevance' }).then((r) => r.length), 4);
      assert.deepEqual(await f({ pinned: true }), ids(2));
      assert.deepEqual(await f({ pinned: false }), ids(5, 4, 3, 1));
      assert.deepEqual(await f({ minId: mid(2), maxId: mid(5) }), ids(4, 3), 'bounds are exclusive');
      assert.deepEqual(await f({ minId: mid(4) }), ids(5));
      assert.deepEqual(await f({ maxId: mid(2) }), ids(1));
      assert.deepEqual(await f({ authorIds: [BOB], has: ['link'], pinned: false, mentions: [ALICE], channelIds: [DM] }), ids(4));
      // Without content, the filters alone.
      assert.deepEqual((await index.search(query({ has: ['link'], limit: 10 }))).ids, ids(4, 1));
      assert.deepEqual((await index.search(query({ hasNot: ['link', 'sticker'], limit: 10 }))).ids, ids(3, 2));
      assert.deepEqual((await index.search(query({ authorIds: [BOB], sortOrder: 'asc' }))).ids, ids(2, 4));
    });

    it('filters by role mentioned, reply, link host, embed type and provider, attachment name and extension', async () => {
      const index = await open([
        doc(1, 'beta', { mentionRoles: [ROLE], linkHostnames: ['discord.com', 'cdn.example.org'], embedTypes: ['image', 'article'], embedProviders: ['Tenor'] }),
        doc(2, 'beta', { repliedToMessageId: mid(1), repliedToUserId: ALICE, attachmentFilenames: ['report.pdf', 'notes.txt'], attachmentExtensions: ['pdf', 'txt'] }),
        doc(3, 'beta', { mentionRoles: [ROLE2], repliedToMessageId: mid(2), repliedToUserId: BOB, embedTypes: ['gif'], embedProviders: ['YouTube'], linkHostnames: ['youtube.com'] }),
        doc(4, 'beta', { attachmentFilenames: ['archive.tar.gz'], attachmentExtensions: ['gz'], embedTypes: ['video', 'sound'] }),
        doc(5, 'beta'),
      ]);
      const f = (over: Partial<SearchQuery>) => find(index, 'beta', over);
      assert.deepEqual(await f({ mentionRoles: [ROLE] }), ids(1));
      assert.deepEqual(await f({ mentionRoles: [ROLE, ROLE2] }), ids(3, 1), 'any of the values');
      assert.deepEqual(await f({ mentionRoles: ['not a snowflake'] }), []);
      assert.deepEqual(await f({ mentions: [ROLE] }), [], 'a role is not a user mention');
      assert.deepEqual(await f({ repliedToUserIds: [ALICE] }), ids(2));
      assert.deepEqual(await f({ repliedToUserIds: [ALICE, BOB] }), ids(3, 2));
      assert.deepEqual(await f({ repliedToMessageIds: [mid(2)] }), ids(3));
      assert.deepEqual(await f({ repliedToMessageIds: [mid(5)] }), []);
      assert.deepEqual(await f({ linkHostnames: ['discord.com'] }), ids(1));
      assert.deepEqual(await f({ linkHostnames: ['DISCORD.com.'] }), ids(1), 'host names fold case and a trailing dot');
      assert.deepEqual(await f({ linkHostnames: ['example.org'] }), [], 'the whole host name');
      assert.deepEqual(await f({ linkHostnames: ['cdn.example.org', 'youtube.com'] }), ids(3, 1));
      assert.deepEqual(await f({ embedTypes: ['image'] }), ids(1));
      assert.deepEqual(await f({ embedTypes: ['gif', 'sound'] }), ids(4, 3));
      assert.deepEqual(await f({ embedTypes: ['article'] }), ids(1));
      assert.deepEqual(await f({ embedTypes: ['video'] }), ids(4));
      assert.deepEqual(await f({ embedProviders: ['Tenor'] }), ids(1));
      assert.deepEqual(await f({ embedProviders: ['tenor'] }), [], 'providers are case-sensitive');
      assert.deepEqual(await f({ embedProviders: ['YouTube', 'Tenor'] }), ids(3, 1));
      assert.deepEqual(await f({ attachmentFilenames: ['Report.PDF'] }), ids(2), 'file names fold case');
      assert.deepEqual(await f({ attachmentFilenames: ['report'] }), [], 'the whole file name');
      assert.deepEqual(await f({ attachmentExtensions: ['txt'] }), ids(2));
      assert.deepEqual(await f({ attachmentExtensions: ['GZ', 'pdf'] }), ids(4, 2));
      assert.deepEqual(await f({ attachmentExtensions: ['tar'] }), []);
      // Every filter must hold, with the others and without content.
      assert.deepEqual(await f({ mentionRoles: [ROLE2], repliedToUserIds: [BOB], embedTypes: ['gif'], linkHostnames: ['youtube.com'] }), ids(3));
      assert.deepEqual(await f({ mentionRoles: [ROLE2], embedTypes: ['image'] }), []);
      assert.deepEqual((await index.search(query({ attachmentExtensions: ['pdf', 'gz'], limit: 10 }))).ids, ids(4, 2));
      assert.deepEqual((await index.search(query({ embedProviders: ['Tenor'], channelIds: [C2] }))).ids, []);
      // An edit replaces the facets too.
      await index.upsert([doc(1, 'beta', { linkHostnames: ['other.net'] })]);
      assert.deepEqual(await f({ linkHostnames: ['discord.com'] }), []);
      assert.deepEqual(await f({ mentionRoles: [ROLE] }), []);
      assert.deepEqual(await f({ linkHostnames: ['other.net'] }), ids(1));
    });

    it('counts matches exactly up to the total limit, and pages up to it', async () => {
      const many = SEARCH_TOTAL_LIMIT + 5;
      const index = await open();
      for (let start = 1; start <= many; start += 2500) {
        await index.upsert(Array.from({ length: Math.min(2500, many - start + 1) }, (_, i) => doc(start + i, `bulk ${(start + i) % 2 ? 'odd' : 'even'}`)));
      }
      assert.deepEqual(await index.search(query({ content: 'bulk', limit: 2 })), { total: SEARCH_TOTAL_LIMIT, ids: ids(many, many - 1) });
      assert.deepEqual(await index.search(query({ limit: 1 })), { total: SEARCH_TOTAL_LIMIT, ids: ids(many) });
      // Below the limit the total is exact.
      assert.equal((await index.search(query({ content: 'odd', limit: 1 }))).total, Math.ceil(many / 2));
      assert.equal((await index.search(query({ content: 'bulk', maxId: mid(101) }))).total, 100);
      // Discord's last page (offset 9,975) is still there, in both orders.
      const last = await index.search(query({ content: 'bulk', offset: SEARCH_TOTAL_LIMIT - 25, limit: 25 }));
      assert.deepEqual(last.ids, Array.from({ length: 25 }, (_, i) => mid(many - (SEARCH_TOTAL_LIMIT - 25) - i)));
      const lastAsc = await index.search(query({ content: 'bulk', sortOrder: 'asc', offset: SEARCH_TOTAL_LIMIT - 25, limit: 25 }));
      assert.deepEqual(lastAsc.ids, Array.from({ length: 25 }, (_, i) => mid(SEARCH_TOTAL_LIMIT - 24 + i)));
    });

    it('pages by offset with a stable total, in both orders', async () => {
      const docs = Array.from({ length: 23 }, (_, i) => doc(i + 1, `common word ${i % 2 ? 'odd' : 'even'}`, { channelId: i % 3 ? C1 : C2 }));
      const index = await open(docs);
      const seen: string[] = [];
      for (let offset = 0; offset < 30; offset += 5) {
        const r = await index.search(query({ content: 'common', offset, limit: 5 }));
        assert.equal(r.total, 23);
        seen.push(...r.ids);
      }
      assert.deepEqual(seen, docs.map((d) => d.id).reverse());
      const asc = await index.search(query({ content: 'word', sortOrder: 'asc', offset: 20, limit: 5 }));
      assert.deepEqual(asc, { total: 23, ids: ids(21, 22, 23) });
      assert.deepEqual(await index.search(query({ content: 'odd', offset: 100 })), { total: 11, ids: [] });
      assert.deepEqual((await index.search(query({ offset: 0, limit: 2 }))), { total: 23, ids: ids(23, 22) });
    });

    it('sorts by relevance or by time, both orders', async () => {
      const index = await open([
        doc(1, 'apple apple apple apple'),
        doc(2, 'apple in a long sentence about many other things entirely unrelated to fruit at all'),
        doc(3, 'apple apple'),
        doc(4, 'banana'),
      ]);
      assert.deepEqual(await find(index, 'apple', { sortBy: 'timestamp', sortOrder: 'desc' }), ids(3, 2, 1));
      assert.deepEqual(await find(index, 'apple', { sortBy: 'timestamp', sortOrder: 'asc' }), ids(1, 2, 3));
      assert.deepEqual(await find(index, 'apple', { sortBy: 'relevance', sortOrder: 'desc' }), ids(1, 3, 2));
      assert.deepEqual(await find(index, 'apple', { sortBy: 'relevance', sortOrder: 'asc' }), ids(2, 3, 1));
      const page = await index.search(query({ content: 'apple', sortBy: 'relevance', offset: 1, limit: 1 }));
      assert.deepEqual(page, { total: 3, ids: ids(3) });
    });

    it('upsert replaces: edits, redelivery, and the last copy within one batch', async () => {
      const index = await open([doc(1, 'original words', { mentions: [BOB], has: ['link'] }), doc(2, 'other')]);
      await index.upsert([doc(1, 'edited text', { has: ['image'] })]);
      assert.deepEqual(await find(index, 'original'), []);
      assert.deepEqual(await find(index, 'edited'), ids(1));
      assert.deepEqual(await find(index, '', { mentions: [BOB] }), []);
      assert.deepEqual(await find(index, '', { has: ['link'] }), []);
      assert.deepEqual(await find(index, '', { has: ['image'] }), ids(1));
      assert.deepEqual(await find(index, '', { hasNot: ['link'] }), ids(2, 1));
      assert.deepEqual(await find(index, '', { hasNot: ['image'] }), ids(2));
      // A partial word (the substring fallback) keeps the negation.
      assert.deepEqual(await find(index, 'dited'), ids(1));
      assert.deepEqual(await find(index, 'dited', { hasNot: ['image'] }), []);
      await index.upsert([doc(1, 'edited text', { has: ['image'] })]);
      assert.equal((await index.search(query())).total, 2);
      await index.upsert([doc(3, 'first copy'), doc(3, 'second copy')]);
      assert.deepEqual(await find(index, 'first'), []);
      assert.deepEqual(await find(index, 'second'), ids(3));
      await index.upsert([]);
    });

    it('setPinned changes only the pin state', async () => {
      const index = await open([doc(1, 'pin me'), doc(2, 'pin me too')]);
      await index.setPinned(mid(1), true);
      assert.deepEqual(await find(index, 'pin', { pinned: true }), ids(1));
      await index.setPinned(mid(1), false);
      await index.setPinned(mid(2), true);
      await index.setPinned(mid(99), true); // unknown: no-op
      assert.deepEqual(await find(index, 'pin', { pinned: true }), ids(2));
      assert.deepEqual(await find(index, 'me'), ids(2, 1));
    });

    it('deletes messages, channels and guilds', async () => {
      const index = await open([
        doc(1, 'keep gone', { mentions: [BOB] }),
        doc(2, 'keep gone'),
        doc(3, 'keep gone', { channelId: C2 }),
        doc(4, 'keep gone', { guildId: G2, channelId: C3, mentions: [BOB] }),
        doc(5, 'keep gone', { guildId: null, channelId: DM }),
      ]);
      await index.delete([mid(1), mid(99)]);
      assert.deepEqual(await find(index, 'keep'), ids(5, 4, 3, 2));
      assert.deepEqual(await find(index, 'gone', { mentions: [BOB] }), ids(4));
      await index.deleteChannel(C2);
      assert.deepEqual(await find(index, 'keep'), ids(5, 4, 2));
      await index.deleteGuild(G2);
      assert.deepEqual(await find(index, 'keep'), ids(5, 2));
      assert.deepEqual(await find(index, 'gone', { mentions: [BOB] }), []);
      await index.deleteGuild(G1);
      assert.deepEqual(await find(index, 'keep'), ids(5), 'a DM has no guild');
      await index.deleteChannel(DM);
      assert.deepEqual(await index.search(query()), { total: 0, ids: [] });
      // A deleted id can come back.
      await index.upsert([doc(1, 'back again')]);
      assert.deepEqual(await find(index, 'back'), ids(1));
      assert.deepEqual(await find(index, 'gone'), []);
    });

    it('keeps backfill state per scope', async () => {
      const index = await open();
      assert.equal(await index.getBackfill(G1), null);
      await index.setBackfill(G1, { done: false, cursor: null, indexed: 0 });
      assert.deepEqual(await index.getBackfill(G1), { done: false, cursor: null, indexed: 0 });
      await index.setBackfill(G1, { done: false, cursor: mid(500), indexed: 1234 });
      await index.setBackfill(DM, { done: true, cursor: mid(1), indexed: 7 });
      assert.deepEqual(await index.getBackfill(G1), { done: false, cursor: mid(500), indexed: 1234 });
      assert.deepEqual(await index.getBackfill(DM), { done: true, cursor: mid(1), indexed: 7 });
      assert.equal(await index.getBackfill(G2), null);
    });

    it('reports its size or null', async () => {
      const index = await open([doc(1, 'some text')]);
      const size = await index.sizeBytes();
      assert.ok(size === null || size > 0);
    });
  });
}
