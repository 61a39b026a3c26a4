/**
 * Picks the search index from configuration, as openStore picks the store: PostgreSQL full-text when the store is
 * PostgreSQL (a postgres:// ACCORD_DATABASE_URL), otherwise SQLite FTS5 in `${dataDir}/search.sqlite`;
 * ACCORD_SEARCH_INDEX=sqlite|postgres overrides. Loads only the implementation it uses.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchIndex } from './search-index.ts';

export interface OpenSearchIndexConfig {
  dataDir: string;
  databaseUrl?: string;
  databasePoolSize?: number;
  /** `sqlite` or `postgres`; absent: postgres when databaseUrl is a postgres URL, else sqlite. */
  searchIndex?: 'sqlite' | 'postgres';
}

export type OpenedSearchIndex = SearchIndex & { readonly kind: 'sqlite' | 'postgres' };

export async function openSearchIndex(config: OpenSearchIndexConfig): Promise<OpenedSearchIndex> {
  const url = config.databaseUrl && /^postgres(ql)?:\/\//i.test(config.databaseUrl) ? config.databaseUrl : undefined;
  const kind = config.searchIndex ?? (url ? 'postgres' : 'sqlite');
  if (kind === 'postgres') {
    if (!url) throw new Error('ACCORD_SEARCH_INDEX=postgres needs a postgres:// ACCORD_DATABASE_URL');
    const { PostgresSearchIndex } = await import('./postgres-index.ts');
    // The pool is the search role's own, smaller than the store's: indexing is batched.
    return PostgresSearchIndex.open({ url, maxConnections: Math.max(2, Math.min(config.databasePoolSize ?? 4, 4)) });
  }
  mkdirSync(config.dataDir, { recursive: true });
  const { SqliteSearchIndex } = await import('./sqlite-index.ts');
  return new SqliteSearchIndex(join(config.dataDir, 'search.sqlite'));
}
