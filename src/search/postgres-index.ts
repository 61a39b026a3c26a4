/**
 * The networked search index: PostgreSQL full-text in tables named search_* (in the store's database, or another,
 * optionally in its own schema), created idempotently at open.
 *
 * - search_docs: one row per message: filter columns, mention and `has` arrays (GIN), `tsv` (our tokens with positions, GIN)
 *   and `body` (the folded text, GIN gin_trgm_ops when pg_trgm is available, for partial words); `facets`, the
 *   rarer filters' tokens (facets.ts, the same as SQLite's), GIN.
 * - search_backfill: per-scope backfill progress.
 * - search_meta: the format version of search_docs (see SCHEMA_VERSION).
 *
 * Text is folded and tokenized in text.ts, not by PostgreSQL's parser: the same tokens as SQLite, no dependency on
 * unaccent (which is not IMMUTABLE, so it could not sit in an index expression anyway), and no user text is ever
 * parsed as tsquery syntax: the tsvector and the tsquery are built from our tokens, which hold letters, digits and
 * marks only.
 */
import pg from 'pg';
import { fold, isSnowflake, parseQuery, substringOf, tokenize, type QueryTerm } from './text.ts';
import { AUTHOR_TYPES } from './sqlite-index.ts';
import { facetGroups, facetTokensOf } from './facets.ts';
import { SEARCH_HAS, SEARCH_TOTAL_LIMIT, type BackfillState, type SearchDocument, type SearchIndex, type SearchQuery, type SearchResult } from './search-index.ts';

export interface PostgresSearchIndexOptions {
  url: string;
  /** A schema (lowercase identifier) for the search_* tables, created when missing. Default: the search_path's first. */
  schema?: string;
  /** Pool size (default 4). */
  maxConnections?: number;
}

/** PostgreSQL keeps positions up to 16383 and at most 256 per lexeme. */
const MAX_POSITION = 16383;
const MAX_POSITIONS_PER_LEXEME = 256;

/**
 * The format of search_docs. 2: `facets` (role mentions, replies, link hosts, embed types and providers,
 * attachment names and extensions). An older table gets the column and is emptied with every backfill state, so
 * each scope is indexed again on its next search (Discord's 202 meanwhile): its rows lack the new facets.
 */
const SCHEMA_VERSION = 2;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A tsvector literal of the tokens with their positions (1-based). */
export function tsvectorOf(tokens: readonly string[]): string {
  const positions = new Map<string, number[]>();
  tokens.forEach((tok, i) => {
    if (i >= MAX_POSITION) return;
    let list = positions.get(tok);
    if (!list) positions.set(tok, (list = []));
    if (list.length < MAX_POSITIONS_PER_LEXEME) list.push(i + 1);
  });
  return [...positions].map(([tok, pos]) => `'${tok}':${pos.join(',')}`).join(' ');
}

/** A term as tsquery syntax: tokens in a row joined by <->; a word's last token as a prefix. */
export function tsqueryTerm(term: QueryTerm): string {
  const parts = term.tokens.map((t) => `'${t}'`);
  if (term.prefix) parts[parts.length - 1] += ':*';
  return parts.length === 1 ? parts[0]! : `(${parts.join(' <-> ')})`;
}

/** A LIKE pattern finding `s` anywhere (backslash is LIKE's default escape). */
const containsPattern = (s: string) => `%${s.replace(/[\\%_]/g, '\\$&')}%`;

export class PostgresSearchIndex implements SearchIndex {
  readonly kind = 'postgres' as const;

  private constructor(
    readonly pool: pg.Pool,
    /** Whether pg_trgm indexes `body` (else partial words still work, by a scan). */
    readonly trigram: boolean,
  ) {}

  static async open({ url, schema, maxConnections = 4 }: PostgresSearchIndexOptions): Promise<PostgresSearchIndex> {
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
    const pool = new pg.Pool({
      connectionString: url,
      max: maxConnections,
      // pg_trgm usually lives in public; our schema first so our tables land there.
      ...(schema === undefined ? {} : { options: `-c search_path=${schema},public` }),
    });
    pool.on('error', () => undefined);
    try {
      const trigram = await PostgresSearchIndex.#createSchema(pool, schema);
      return new PostgresSearchIndex(pool, trigram);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  /** Creates what is missing, under an advisory lock so that several processes starting at once do not race. */
  static async #createSchema(pool: pg.Pool, schema: string | undefined): Promise<boolean> {
    const client = await pool.connect();
    // A checked-out client's connection loss is emitted as 'error' (see store/postgres/driver.ts); the query fails too.
    let broken = false;
    const onConnectionError = () => {
      broken = true;
    };
    client.on('error', onConnectionError);
    try {
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('accord_search_schema'))");
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      let trgmSchema = await PostgresSearchIndex.#extensionSchema(client, 'pg_trgm');
      if (trgmSchema === null) {
        // Trusted since PostgreSQL 13: a database owner may create it. Without it, partial words scan.
        await client.query('SAVEPOINT ext');
        try {
          await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
          trgmSchema = await PostgresSearchIndex.#extensionSchema(client, 'pg_trgm');
        } catch {
          await client.query('ROLLBACK TO SAVEPOINT ext');
        }
      }
      await client.query(`
        CREATE TABLE IF NOT EXISTS search_docs (
          id BIGINT PRIMARY KEY,
          guild_id BIGINT,
          channel_id BIGINT NOT NULL,
          author_id BIGINT NOT NULL,
          author_type SMALLINT NOT NULL,
          mention_everyone BOOLEAN NOT NULL,
          has TEXT[] NOT NULL,
          pinned BOOLEAN NOT NULL,
          mentions BIGINT[] NOT NULL,
          mention_roles BIGINT[] NOT NULL,
          tsv TSVECTOR NOT NULL,
          body TEXT NOT NULL,
          facets TEXT[] NOT NULL DEFAULT '{}'
        );
        CREATE INDEX IF NOT EXISTS search_docs_channel ON search_docs (channel_id, id);
        CREATE INDEX IF NOT EXISTS search_docs_author ON search_docs (author_id, id);
        CREATE INDEX IF NOT EXISTS search_docs_guild ON search_docs (guild_id) WHERE guild_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS search_docs_mentions ON search_docs USING GIN (mentions);
        CREATE INDEX IF NOT EXISTS search_docs_has ON search_docs USING GIN (has);
        CREATE INDEX IF NOT EXISTS search_docs_tsv ON search_docs USING GIN (tsv);
        CREATE TABLE IF NOT EXISTS search_backfill (
          scope_id TEXT PRIMARY KEY,
          done BOOLEAN NOT NULL,
          cursor TEXT,
          indexed BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS search_meta (
          name TEXT PRIMARY KEY,
          version INTEGER NOT NULL
        );
      `);
      const { rows: meta } = await client.query("SELECT version FROM search_meta WHERE name = 'search_docs'");
      if (!meta[0] || meta[0].version < SCHEMA_VERSION) {
        // Created just now (empty: nothing lost), or written by an older version: see SCHEMA_VERSION.
        await client.query("ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS facets TEXT[] NOT NULL DEFAULT '{}'");
        await client.query('TRUNCATE search_docs, search_backfill');
        await client.query(
          "INSERT INTO search_meta (name, version) VALUES ('search_docs', $1) ON CONFLICT (name) DO UPDATE SET version = excluded.version",
          [SCHEMA_VERSION],
        );
      }
      await client.query('CREATE INDEX IF NOT EXISTS search_docs_facets ON search_docs USING GIN (facets)');
      if (trgmSchema !== null) {
        await client.query(`CREATE INDEX IF NOT EXISTS search_docs_body_trgm ON search_docs USING GIN (body ${quoteIdent(trgmSchema)}.gin_trgm_ops)`);
      }
      await client.query('COMMIT');
      return trgmSchema !== null;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.removeListener('error', onConnectionError);
      client.release(broken);
    }
  }

  static async #extensionSchema(client: pg.PoolClient, name: string): Promise<string | null> {
    const { rows } = await client.query('SELECT extnamespace::regnamespace::text AS ns FROM pg_extension WHERE extname = $1', [name]);
    return rows[0] ? String(rows[0].ns).replace(/^"|"$/g, '') : null;
  }

  async upsert(docs: readonly SearchDocument[]): Promise<void> {
    // The last copy of an id in one batch wins (ON CONFLICT cannot touch one row twice in one statement).
    const latest = new Map<string, SearchDocument>();
    for (const doc of docs) if (isSnowflake(doc.id)) latest.set(doc.id, doc);
    if (latest.size === 0) return;
    const rows = [...latest.values()].map((d) => ({
      id: d.id,
      guild_id: d.guildId && isSnowflake(d.guildId) ? d.guildId : null,
      channel_id: isSnowflake(d.channelId) ? d.channelId : '0',
      author_id: isSnowflake(d.authorId) ? d.authorId : '0',
      author_type: Math.max(0, AUTHOR_TYPES.indexOf(d.authorType)),
      mention_everyone: d.mentionEveryone,
      has: [...new Set(d.has.filter((h) => SEARCH_HAS.includes(h)))],
      pinned: d.pinned,
      mentions: d.mentions.filter(isSnowflake),
      mention_roles: d.mentionRoles.filter(isSnowflake),
      tsv: tsvectorOf(tokenize(d.content)),
      body: fold(d.content),
      facets: facetTokensOf(d),
    }));
    // Ids travel as JSON strings, never as JS numbers (they exceed 2^53).
    await this.pool.query(
      `INSERT INTO search_docs (id, guild_id, channel_id, author_id, author_type, mention_everyone, has, pinned, mentions, mention_roles, tsv, body, facets)
       SELECT r.id::bigint, r.guild_id::bigint, r.channel_id::bigint, r.author_id::bigint, r.author_type, r.mention_everyone,
              ARRAY(SELECT jsonb_array_elements_text(r.has)), r.pinned,
              ARRAY(SELECT jsonb_array_elements_text(r.mentions))::bigint[], ARRAY(SELECT jsonb_array_elements_text(r.mention_roles))::bigint[],
              r.tsv::tsvector, r.body, ARRAY(SELECT jsonb_array_elements_text(r.facets))
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, guild_id text, channel_id text, author_id text, author_type smallint, mention_everyone boolean,
              has jsonb, pinned boolean, mentions jsonb, mention_roles jsonb, tsv text, body text, facets jsonb)
       ON CONFLICT (id) DO UPDATE SET guild_id = excluded.guild_id, channel_id = excluded.channel_id, author_id = excluded.author_id,
         author_type = excluded.author_type, mention_everyone = excluded.mention_everyone, has = excluded.has, pinned = excluded.pinned,
         mentions = excluded.mentions, mention_roles = excluded.mention_roles, tsv = excluded.tsv, body = excluded.body,
         facets = excluded.facets`,
      [JSON.stringify(rows)],
    );
  }

  async delete(messageIds: readonly string[]): Promise<void> {
    const ids = messageIds.filter(isSnowflake);
    if (ids.length) await this.pool.query('DELETE FROM search_docs WHERE id = ANY($1::bigint[])', [ids]);
  }

  async deleteChannel(channelId: string): Promise<void> {
    if (isSnowflake(channelId)) await this.pool.query('DELETE FROM search_docs WHERE channel_id = $1', [channelId]);
  }

  async deleteGuild(guildId: string): Promise<void> {
    if (isSnowflake(guildId)) await this.pool.query('DELETE FROM search_docs WHERE guild_id = $1', [guildId]);
  }

  async setPinned(messageId: string, pinned: boolean): Promise<void> {
    if (isSnowflake(messageId)) await this.pool.query('UPDATE search_docs SET pinned = $1 WHERE id = $2', [pinned, messageId]);
  }

  async search(q: SearchQuery): Promise<SearchResult> {
    const none = { total: 0, ids: [] };
    const channels = q.channelIds.filter(isSnowflake);
    if (channels.length === 0) return none;
    const { terms, empty } = parseQuery(q.content);
    if (empty) return none;

    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where = [`channel_id = ANY(${p(channels)}::bigint[])`];
    if (q.authorIds) where.push(`author_id = ANY(${p(q.authorIds.filter(isSnowflake))}::bigint[])`);
    if (q.authorTypes) where.push(`author_type = ANY(${p(q.authorTypes.map((t) => AUTHOR_TYPES.indexOf(t)))}::smallint[])`);
    if (q.mentions) where.push(`mentions && ${p(q.mentions.filter(isSnowflake))}::bigint[]`);
    if (q.mentionEveryone !== undefined) where.push(`mention_everyone = ${p(q.mentionEveryone)}`);
    // GIN on the array: "has:link in this guild" reads the link list, not every message of the guild.
    if (q.has?.length) where.push(`has @> ${p([...new Set(q.has)])}::text[]`);
    if (q.hasNot?.length) where.push(`NOT (has && ${p([...new Set(q.hasNot)])}::text[])`);
    if (q.pinned !== undefined) where.push(`pinned = ${p(q.pinned)}`);
    if (isSnowflake(q.minId)) where.push(`id > ${p(q.minId)}::bigint`);
    if (isSnowflake(q.maxId)) where.push(`id < ${p(q.maxId)}::bigint`);
    const facets = facetGroups(q);
    if (!facets) return none;
    for (const group of facets) where.push(`facets && ${p(group)}::text[]`);

    const dir = q.sortOrder === 'asc' ? 'ASC' : 'DESC';
    if (terms.length === 0) return this.#run(where, params, `id ${dir}`, q);

    const withQuery = [...params];
    const tsq = `$${withQuery.push(terms.map(tsqueryTerm).join(' & '))}::tsquery`;
    const first = await this.#run(
      [...where, `tsv @@ ${tsq}`], withQuery,
      q.sortBy === 'relevance' ? `ts_rank(tsv, ${tsq}) ${dir}, id DESC` : `id ${dir}`, q,
    );
    if (first.total > 0) return first;

    // Nothing matched: terms no indexed word starts with are matched as substrings (partial words), the rest as
    // tokens; relevance falls back to newest first. The same rule as on SQLite (see there).
    const substrings: Array<string | null> = [];
    for (const t of terms) {
      const known = await this.pool.query('SELECT 1 FROM search_docs WHERE tsv @@ $1::tsquery LIMIT 1', [tsqueryTerm(t)]);
      substrings.push(known.rowCount ? null : substringOf(t));
    }
    if (substrings.every((s) => s === null)) return first;
    const extra = substrings.flatMap((s) => (s === null ? [] : [`body LIKE ${p(containsPattern(s))}`]));
    const tokenTerms = terms.filter((_, i) => substrings[i] === null);
    if (tokenTerms.length > 0) extra.push(`tsv @@ ${p(tokenTerms.map(tsqueryTerm).join(' & '))}::tsquery`);
    return this.#run([...where, ...extra], params, `id ${q.sortBy === 'relevance' ? 'DESC' : dir}`, q);
  }

  async #run(where: string[], params: unknown[], orderBy: string, q: SearchQuery): Promise<SearchResult> {
    const sqlWhere = where.join(' AND ');
    const offset = Math.max(0, Math.floor(q.offset));
    if (q.limit <= 0) return { total: await this.#count(sqlWhere, params), ids: [] };
    // The count and the page on two connections at once: a query costs the slower of the two, not their sum.
    const [total, page] = await Promise.all([
      this.#count(sqlWhere, params),
      this.pool.query(`SELECT id::text AS id FROM search_docs WHERE ${sqlWhere} ORDER BY ${orderBy} LIMIT ${Math.floor(q.limit)} OFFSET ${offset}`, params),
    ]);
    return { total, ids: offset >= total ? [] : page.rows.map((r) => r.id as string) };
  }

  /** Matches, exact up to the limit (search-index.ts): past it, counting would read every match of a frequent word. */
  async #count(sqlWhere: string, params: unknown[]): Promise<number> {
    const count = await this.pool.query(`SELECT count(*)::int AS n FROM (SELECT 1 FROM search_docs WHERE ${sqlWhere} LIMIT ${SEARCH_TOTAL_LIMIT}) m`, params);
    return count.rows[0].n as number;
  }

  async getBackfill(scopeId: string): Promise<BackfillState | null> {
    const { rows } = await this.pool.query('SELECT done, cursor, indexed::float8 AS indexed FROM search_backfill WHERE scope_id = $1', [scopeId]);
    return rows[0] ? { done: rows[0].done, cursor: rows[0].cursor, indexed: rows[0].indexed } : null;
  }

  async setBackfill(scopeId: string, state: BackfillState): Promise<void> {
    await this.pool.query(
      `INSERT INTO search_backfill (scope_id, done, cursor, indexed) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope_id) DO UPDATE SET done = excluded.done, cursor = excluded.cursor, indexed = excluded.indexed`,
      [scopeId, state.done, state.cursor, state.indexed],
    );
  }

  /** What autovacuum does after a bulk load, now: statistics, and the GIN pending lists merged into the indexes. */
  async optimize(): Promise<void> {
    await this.pool.query('VACUUM ANALYZE search_docs');
  }

  async sizeBytes(): Promise<number | null> {
    const { rows } = await this.pool.query(
      "SELECT (pg_total_relation_size('search_docs') + pg_total_relation_size('search_backfill'))::float8 AS bytes",
    );
    return rows[0].bytes as number;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
