/**
 * The embedded search index: SQLite FTS5 in its own database file (never the store's: indexing must not hold
 * the store's write lock, and the index can be deleted and rebuilt by backfill).
 *
 * - search_fts: contentless FTS5 (unicode61) with two columns. `body` holds our tokens of the text (text.ts), so
 *   words, prefixes, phrases, CJK characters and emoji all resolve here, ranked by bm25. `scope` holds filter
 *   tokens: c<channel>, g<guild>, a<author>, t<author type>, h<has>, m<user mentioned>, e (@everyone), and the
 *   rarer filters' facet tokens (facets.ts: r<role mentioned>, p/q<user/message replied to>, y<embed type>, and
 *   hashes of link hosts, embed providers, attachment names and extensions). `prefix='2 3'` keeps a posting list
 *   per 2- and 3-character prefix: a short prefix (`to*`) otherwise merges the lists of thousands of words.
 *   Filters then intersect posting lists inside FTS5 (a merge of sorted rowid lists, in C) instead of looking up
 *   each text match in a table: "a frequent word in these 10 channels" costs the two lists, not one B-tree
 *   lookup per message containing the word anywhere. bm25 gives `scope` weight 0. When the channels asked for
 *   include every indexed channel of a guild (the usual guild search), one g<guild> list replaces their OR.
 * - search_channels: channel → guild, for that substitution.
 * - search_docs: one row per message, id as INTEGER (the rowid, so ids sort as numbers): what FTS5 cannot
 *   update in place (pinned), what is filtered by absence (mention_everyone = 0), and channel/guild for deletion.
 * - search_tri: contentless FTS5 with the trigram tokenizer over the folded text: partial words (`script` in
 *   `typescript`), used only when the token query finds nothing (see search()).
 * - search_backfill: per-scope backfill progress.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { openWalDatabase } from '../store/sqlite/open-wal.ts';
import { fold, isSnowflake, parseQuery, substringOf, tokenize, type QueryTerm } from './text.ts';
import { facetGroups, facetTokensOf } from './facets.ts';
import { SEARCH_HAS, SEARCH_TOTAL_LIMIT, type BackfillState, type SearchAuthorType, type SearchDocument, type SearchIndex, type SearchQuery, type SearchResult } from './search-index.ts';

export const AUTHOR_TYPES: readonly SearchAuthorType[] = ['user', 'bot', 'webhook'];

/**
 * Bumped when documents need tokens older versions did not write (2: the rarer filters' facet tokens, and the
 * body prefix index). Opening an older file drops its tables: every scope is backfilled again on its next search
 * (answered with Discord's 202 meanwhile), as with a deleted file.
 */
const SCHEMA_VERSION = 2;
const TABLES = ['search_fts', 'search_tri', 'search_docs', 'search_channels', 'search_backfill'];
const SCHEMA = `
CREATE TABLE IF NOT EXISTS search_docs (
  id INTEGER PRIMARY KEY,
  guild_id INTEGER,
  channel_id INTEGER NOT NULL,
  mention_everyone INTEGER NOT NULL,
  pinned INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS search_docs_channel ON search_docs (channel_id);
CREATE INDEX IF NOT EXISTS search_docs_guild ON search_docs (guild_id) WHERE guild_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS search_docs_pinned ON search_docs (channel_id, id) WHERE pinned = 1;
CREATE TABLE IF NOT EXISTS search_channels (
  channel_id INTEGER PRIMARY KEY,
  guild_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS search_channels_guild ON search_channels (guild_id);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
  body, scope, content='', contentless_delete=1, prefix='2 3', tokenize="unicode61 remove_diacritics 2 categories 'L* N* M* Co'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_tri USING fts5(
  body, content='', contentless_delete=1, tokenize='trigram remove_diacritics 1'
);
CREATE TABLE IF NOT EXISTS search_backfill (
  scope_id TEXT PRIMARY KEY,
  done INTEGER NOT NULL,
  cursor TEXT,
  indexed INTEGER NOT NULL
);
`;

/** An FTS5 string: our tokens hold no quote, but the substring text may. */
const ftsString = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A term as FTS5 syntax: tokens in a row as one phrase; a word's last token as a prefix. */
export function ftsTerm(term: QueryTerm): string {
  return ftsString(term.tokens.join(' ')) + (term.prefix ? '*' : '');
}

/** The scope tokens of a document. */
function scopeOf(doc: SearchDocument): string {
  const tokens = [`c${doc.channelId}`, `a${doc.authorId}`, `t${doc.authorType}`];
  if (doc.guildId) tokens.push(`g${doc.guildId}`);
  for (const h of doc.has) tokens.push(`h${h}`);
  for (const u of doc.mentions) tokens.push(`m${u}`);
  if (doc.mentionEveryone) tokens.push('e');
  tokens.push(...facetTokensOf(doc));
  return tokens.join(' ');
}

/** `scope : ("x1" OR "x2")` for the values that are valid tokens, or null when none is. */
function anyOf(prefix: string, values: readonly string[], valid: (v: string) => boolean): string | null {
  const ok = [...new Set(values.filter(valid))];
  return ok.length ? `scope : (${ok.map((v) => `"${prefix}${v}"`).join(' OR ')})` : null;
}

/** Pages one merge step writes: a few milliseconds of work, so that writes and queries wait little between steps. */
const MERGE_PAGES = 16;
/** A bound on the steps of one optimize() (far more than a million documents need). */
const MAX_MERGE_STEPS = 100_000;

export interface SqliteSearchIndexOptions {
  /** Keep the trigram table (partial words). Default true; off, the index is about a third the size and indexes twice as fast. */
  trigram?: boolean;
  /** Pages one optimize() step merges (default MERGE_PAGES). */
  mergePages?: number;
}

export class SqliteSearchIndex implements SearchIndex {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #trigram: boolean;
  readonly #stmts = new Map<string, Database.Statement>();
  readonly #mergePages: number;
  #merging: Promise<void> | undefined;

  constructor(path: string, opts: SqliteSearchIndexOptions = {}) {
    this.#path = path;
    this.#trigram = opts.trigram ?? true;
    this.#mergePages = Math.max(1, Math.floor(opts.mergePages ?? MERGE_PAGES));
    // Several processes (ACCORD_WORKERS) open one index file. Every write transaction is IMMEDIATE, taking the
    // write lock at BEGIN: a deferred one that reads first (user_version) cannot wait to upgrade, it fails at once
    // with "database is locked".
    this.#db = openWalDatabase(path, 5000);
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('cache_size = -65536');
    this.#db.transaction(() => {
      const version = Number(this.#db.pragma('user_version', { simple: true }));
      if (version < SCHEMA_VERSION) for (const t of TABLES) this.#db.exec(`DROP TABLE IF EXISTS ${t}`);
      this.#db.exec(SCHEMA);
      this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  #prepare(sql: string): Database.Statement {
    let stmt = this.#stmts.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      if (this.#stmts.size > 500) this.#stmts.clear();
      this.#stmts.set(sql, stmt);
    }
    return stmt;
  }

  #deleteIds(ids: readonly bigint[]): void {
    const fts = this.#prepare('DELETE FROM search_fts WHERE rowid = ?');
    const tri = this.#prepare('DELETE FROM search_tri WHERE rowid = ?');
    const docs = this.#prepare('DELETE FROM search_docs WHERE id = ?');
    for (const id of ids) {
      if (docs.run(id).changes === 0) continue;
      fts.run(id);
      if (this.#trigram) tri.run(id);
    }
  }

  async upsert(docs: readonly SearchDocument[]): Promise<void> {
    const insertDoc = this.#prepare('INSERT INTO search_docs (id, guild_id, channel_id, mention_everyone, pinned) VALUES (?, ?, ?, ?, ?)');
    const insertFts = this.#prepare('INSERT INTO search_fts (rowid, body, scope) VALUES (?, ?, ?)');
    const insertTri = this.#prepare('INSERT INTO search_tri (rowid, body) VALUES (?, ?)');
    const insertChannel = this.#prepare('INSERT OR IGNORE INTO search_channels (channel_id, guild_id) VALUES (?, ?)');
    // The last copy of an id in one batch wins, as if upserted one after another.
    const latest = new Map<string, SearchDocument>();
    for (const doc of docs) if (isSnowflake(doc.id)) latest.set(doc.id, doc);
    // Tokenizing is the costly part: done before the write transaction opens.
    const rows = [...latest.values()].map((doc) => ({
      id: BigInt(doc.id),
      guild: doc.guildId && isSnowflake(doc.guildId) ? BigInt(doc.guildId) : null,
      channel: BigInt(isSnowflake(doc.channelId) ? doc.channelId : 0),
      everyone: doc.mentionEveryone ? 1 : 0,
      pinned: doc.pinned ? 1 : 0,
      body: tokenize(doc.content).join(' '),
      scope: scopeOf(doc),
      folded: this.#trigram ? fold(doc.content) : '',
    }));
    this.#db.transaction(() => {
      this.#deleteIds(rows.map((r) => r.id));
      for (const r of rows) {
        insertDoc.run(r.id, r.guild, r.channel, r.everyone, r.pinned);
        if (r.guild !== null) insertChannel.run(r.channel, r.guild);
        insertFts.run(r.id, r.body, r.scope);
        if (this.#trigram) insertTri.run(r.id, r.folded);
      }
    }).immediate();
  }

  async delete(messageIds: readonly string[]): Promise<void> {
    this.#db.transaction(() => this.#deleteIds(messageIds.filter(isSnowflake).map(BigInt))).immediate();
  }

  #deleteWhere(where: string, param: bigint): void {
    this.#db.transaction(() => {
      for (const sql of [
        `DELETE FROM search_channels WHERE ${where}`,
        `DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE ${where})`,
        ...(this.#trigram ? [`DELETE FROM search_tri WHERE rowid IN (SELECT id FROM search_docs WHERE ${where})`] : []),
        `DELETE FROM search_docs WHERE ${where}`,
      ]) this.#prepare(sql).run(param);
    }).immediate();
  }

  async deleteChannel(channelId: string): Promise<void> {
    if (isSnowflake(channelId)) this.#deleteWhere('channel_id = ?', BigInt(channelId));
  }

  async deleteGuild(guildId: string): Promise<void> {
    if (isSnowflake(guildId)) this.#deleteWhere('guild_id = ?', BigInt(guildId));
  }

  async setPinned(messageId: string, pinned: boolean): Promise<void> {
    if (isSnowflake(messageId)) this.#prepare('UPDATE search_docs SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, BigInt(messageId));
  }

  async search(q: SearchQuery): Promise<SearchResult> {
    const none = { total: 0, ids: [] };
    const channels = this.#channelClause(q.channelIds);
    if (!channels) return none;
    const { terms, empty } = parseQuery(q.content);
    if (empty) return none;

    // Filters as scope tokens, matched inside FTS5; an empty list after validation matches nothing.
    const scope = [channels];
    for (const [prefix, values, valid] of [
      ['a', q.authorIds, isSnowflake],
      ['t', q.authorTypes, (t: string) => AUTHOR_TYPES.includes(t as SearchAuthorType)],
      ['m', q.mentions, isSnowflake],
    ] as const) {
      if (!values) continue;
      const clause = anyOf(prefix, values, valid);
      if (!clause) return none;
      scope.push(clause);
    }
    for (const h of new Set(q.has ?? [])) {
      if (!SEARCH_HAS.includes(h)) return none;
      scope.push(`scope : "h${h}"`);
    }
    if (q.mentionEveryone === true) scope.push('scope : "e"');
    const facets = facetGroups(q);
    if (!facets) return none;
    for (const group of facets) scope.push(`scope : (${group.map((t) => `"${t}"`).join(' OR ')})`);
    // Negated values: FTS5's binary NOT subtracts one posting list from the match (unknown values exclude nothing).
    const hasNot = [...new Set(q.hasNot ?? [])].filter((h) => SEARCH_HAS.includes(h));
    const exclude = hasNot.length ? ` NOT scope : (${hasNot.map((h) => `"h${h}"`).join(' OR ')})` : '';

    // What FTS5 cannot answer: on search_docs, joined only when asked for.
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.mentionEveryone === false) where.push('d.mention_everyone = 0');
    if (q.pinned !== undefined) (where.push('d.pinned = ?'), params.push(q.pinned ? 1 : 0));
    if (isSnowflake(q.minId)) (where.push('f.rowid > ?'), params.push(BigInt(q.minId)));
    if (isSnowflake(q.maxId)) (where.push('f.rowid < ?'), params.push(BigInt(q.maxId)));
    const join = where.some((w) => w.startsWith('d.')) ? ' JOIN search_docs d ON d.id = f.rowid' : '';

    const dir = q.sortOrder === 'asc' ? 'ASC' : 'DESC';
    const match = (body: string | null) => `(${[...(body ? [`body : (${body})`] : []), ...scope].join(' AND ')})${exclude}`;
    const first = this.#run(
      join, match(terms.length ? terms.map(ftsTerm).join(' AND ') : null), where, params,
      // bm25 is lower for better matches (body only: scope weighs 0); ties newest first.
      q.sortBy === 'relevance' && terms.length ? `bm25(search_fts, 1.0, 0.0) ${q.sortOrder === 'asc' ? 'DESC' : 'ASC'}, f.rowid DESC` : `f.rowid ${dir}`, q,
    );
    if (first.total > 0 || !this.#trigram || terms.length === 0) return first;

    // Nothing matched. A term no indexed word starts with may be part of a word (`script` in `typescript`): match
    // those as substrings (when long enough for trigrams), the rest as tokens. A term that is a known word keeps
    // its meaning (otherwise a frequent word under a narrow filter would turn into a costly substring scan). No
    // rank exists across the two tables, so relevance falls back to newest first.
    const known = this.#prepare('SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1');
    const substrings = terms.map((t) => (known.get(`body : (${ftsTerm(t)})`) ? null : substringOf(t)));
    if (substrings.every((s) => s === null)) return first;
    const tokenTerms = terms.filter((_, i) => substrings[i] === null);
    return this.#run(
      join, match(tokenTerms.length ? tokenTerms.map(ftsTerm).join(' AND ') : null),
      ['f.rowid IN (SELECT rowid FROM search_tri WHERE search_tri MATCH ?)', ...where],
      [substrings.filter((s) => s !== null).map(ftsString).join(' AND '), ...params],
      `f.rowid ${q.sortBy === 'relevance' ? 'DESC' : dir}`, q,
    );
  }

  /**
   * `scope : (...)` for the channels: g<guild> for each guild all of whose indexed channels are listed (one posting
   * list instead of an OR of many, which FTS5 must advance together at every step), c<channel> for the rest.
   */
  #channelClause(channelIds: readonly string[]): string | null {
    const wanted = new Set(channelIds.filter(isSnowflake));
    if (wanted.size === 0) return null;
    const list = `[${[...wanted].join(',')}]`;
    const guilds = this.#prepare('SELECT DISTINCT guild_id FROM search_channels WHERE channel_id IN (SELECT value FROM json_each(?))')
      .safeIntegers(true).all(list) as Array<{ guild_id: bigint }>;
    const ofGuild = this.#prepare('SELECT channel_id FROM search_channels WHERE guild_id = ?').safeIntegers(true);
    const tokens: string[] = [];
    for (const { guild_id } of guilds) {
      const all = (ofGuild.all(guild_id) as Array<{ channel_id: bigint }>).map((r) => r.channel_id.toString());
      if (!all.every((c) => wanted.has(c))) continue;
      tokens.push(`"g${guild_id}"`);
      for (const c of all) wanted.delete(c);
    }
    for (const c of wanted) tokens.push(`"c${c}"`);
    return `scope : (${tokens.join(' OR ')})`;
  }

  #run(join: string, match: string, where: string[], params: unknown[], orderBy: string, q: SearchQuery): SearchResult {
    const from = `search_fts f${join} WHERE search_fts MATCH ?${where.map((w) => ` AND ${w}`).join('')}`;
    const all = [match, ...params];
    const total = Number((this.#prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} LIMIT ${SEARCH_TOTAL_LIMIT})`).get(...all) as { n: number }).n);
    const offset = Math.max(0, Math.floor(q.offset));
    if (total === 0 || offset >= total || q.limit <= 0) return { total, ids: [] };
    const page = this.#prepare(`SELECT f.rowid AS id FROM ${from} ORDER BY ${orderBy} LIMIT ? OFFSET ?`);
    const rows = page.safeIntegers(true).all(...all, Math.floor(q.limit), offset) as Array<{ id: bigint }>;
    return { total, ids: rows.map((r) => r.id.toString()) };
  }

  async getBackfill(scopeId: string): Promise<BackfillState | null> {
    const row = this.#prepare('SELECT done, cursor, indexed FROM search_backfill WHERE scope_id = ?').get(scopeId) as
      | { done: number; cursor: string | null; indexed: number }
      | undefined;
    return row ? { done: row.done === 1, cursor: row.cursor, indexed: row.indexed } : null;
  }

  async setBackfill(scopeId: string, state: BackfillState): Promise<void> {
    this.#prepare(
      'INSERT INTO search_backfill (scope_id, done, cursor, indexed) VALUES (?, ?, ?, ?) ON CONFLICT (scope_id) DO UPDATE SET done = excluded.done, cursor = excluded.cursor, indexed = excluded.indexed',
    ).run(scopeId, state.done ? 1 : 0, state.cursor, state.indexed);
  }

  /**
   * Merges the segments a bulk load leaves (FTS5 'optimize' would do it in one statement that holds the process
   * for seconds at a million messages): FTS5 'merge' steps of `mergePages` pages, each its own short write
   * transaction, yielding to the event loop between them, until a step finds nothing left to merge. A negative
   * page count merges segments of every level (a positive one only merges levels with `automerge` segments).
   * Concurrent calls share one run; writes interleave between steps.
   */
  optimize(): Promise<void> {
    this.#merging ??= this.#mergeAll().finally(() => (this.#merging = undefined));
    return this.#merging;
  }

  async #mergeAll(): Promise<void> {
    const tables = this.#trigram ? ['search_fts', 'search_tri'] : ['search_fts'];
    for (const table of tables) {
      for (let i = 0; i < MAX_MERGE_STEPS; i++) {
        if (!this.#db.open) return;
        const changes = this.#prepare('SELECT total_changes()').pluck();
        const before = changes.get() as number;
        this.#prepare(`INSERT INTO ${table} (${table}, rank) VALUES ('merge', ?)`).run(-this.#mergePages);
        // FTS5 writes at least two rows when a step did any work.
        if ((changes.get() as number) - before < 2) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Segments of the text index (b-trees a query may have to read): what optimize() brings down. */
  segmentCount(): number {
    return this.#prepare('SELECT count(DISTINCT segid) AS n FROM search_fts_idx').pluck().get() as number;
  }

  async sizeBytes(): Promise<number | null> {
    if (this.#path === ':memory:' || this.#path === '') return null;
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    let bytes = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        bytes += statSync(this.#path + suffix).size;
      } catch {
        // no such file
      }
    }
    return bytes;
  }

  async close(): Promise<void> {
    // A merge in progress stops at its next step (it checks that the database is open).
    if (this.#db.open) this.#db.close();
  }
}
