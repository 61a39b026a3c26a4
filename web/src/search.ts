/**
 * Message search as Discord's search bar does it: the typed text is words plus filter chips (`from:`,
 * `mentions:`, `has:`, `in:`, `before:`, `after:`, `pinned:`), turned into the query string of Search Guild
 * Messages (or the channel variant in DMs). The first search of a guild answers 202 "Index not yet available"
 * (code 110000); it is asked again after `retry_after` seconds, a few times.
 */
import { rest, DISCORD_EPOCH } from './api.ts';
import type { State } from './store.ts';
import type { Message } from './types.ts';

export const FILTER_KEYS = ['from', 'mentions', 'has', 'in', 'before', 'after', 'pinned'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface SearchChip {
  key: FilterKey;
  value: string;
  /** False when the value names nothing known (the chip is shown struck out and left out of the query). */
  ok: boolean;
}

export interface ParsedSearch {
  words: string;
  chips: SearchChip[];
  params: URLSearchParams;
}

const HAS = new Set(['link', 'embed', 'file', 'image', 'video', 'sound', 'sticker', 'poll', 'snapshot']);
const CHIP = /(?:^|\s)(from|mentions|has|in|before|after|pinned):(\S+)/gi;

/** The smallest snowflake of a day (YYYY-MM-DD, local midnight). */
function dayId(day: string, next = false): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (next ? 1 : 0)).getTime();
  if (!Number.isFinite(at) || at < DISCORD_EPOCH) return null;
  return (BigInt(at - DISCORD_EPOCH) << 22n).toString();
}

/** A user named by id, @username or global name among those the client knows (the guild's members first). */
function userId(state: State, guildId: string | null, name: string): string | null {
  const bare = name.replace(/^@/, '').toLowerCase();
  if (/^\d{15,21}$/.test(bare)) return bare;
  const pool = guildId ? Object.keys(state.members[guildId] ?? {}) : Object.keys(state.users);
  for (const id of [...pool, ...Object.keys(state.users)]) {
    const u = state.users[id];
    if (u && (u.username.toLowerCase() === bare || u.global_name?.toLowerCase() === bare)) return id;
  }
  return null;
}

export function parseSearch(text: string, state: State, guildId: string | null): ParsedSearch {
  const params = new URLSearchParams();
  const chips: SearchChip[] = [];
  for (const [, rawKey, value] of text.matchAll(CHIP)) {
    const key = rawKey!.toLowerCase() as FilterKey;
    let ok = true;
    if (key === 'from' || key === 'mentions') {
      const id = userId(state, guildId, value!);
      if (id) params.append(key === 'from' ? 'author_id' : 'mentions', id);
      else ok = false;
    } else if (key === 'has') {
      ok = HAS.has(value!.toLowerCase());
      if (ok) params.append('has', value!.toLowerCase());
    } else if (key === 'in') {
      const name = value!.replace(/^#/, '').toLowerCase();
      const channel = Object.values(state.channels).find((c) => c.guild_id === guildId && c.name?.toLowerCase() === name);
      if (channel) params.append('channel_id', channel.id);
      else ok = false;
    } else if (key === 'before' || key === 'after') {
      const id = dayId(value!, key === 'after');
      if (id) params.set(key === 'before' ? 'max_id' : 'min_id', id);
      else ok = false;
    } else if (key === 'pinned') {
      ok = value === 'true' || value === 'false';
      if (ok) params.set('pinned', value!);
    }
    chips.push({ key, value: value!, ok });
  }
  const words = text.replace(CHIP, ' ').replace(/\s+/g, ' ').trim();
  if (words) params.set('content', words);
  return { words, chips, params };
}

export interface SearchResults {
  total: number;
  messages: Message[];
}

/** Runs the search; waits out 202 "Index not yet available" answers (`onIndexing` hears each). */
export async function runSearch(
  scope: { guildId: string } | { channelId: string },
  params: URLSearchParams,
  onIndexing: (documentsIndexed: number) => void = () => {},
  tries = 15,
): Promise<SearchResults> {
  const path = 'guildId' in scope ? `/guilds/${scope.guildId}/messages/search` : `/channels/${scope.channelId}/messages/search`;
  const qs = params.toString();
  for (let attempt = 0; ; attempt++) {
    const body = await rest.get<any>(`${path}${qs ? `?${qs}` : ''}`);
    if (body?.code === 110000) {
      if (attempt + 1 >= tries) throw new Error('Search is still indexing this server. Try again in a moment.');
      onIndexing(Number(body.documents_indexed ?? 0));
      await new Promise((r) => setTimeout(r, Math.max(0.25, Number(body.retry_after ?? 2)) * 1000));
      continue;
    }
    return { total: Number(body.total_results ?? 0), messages: (body.messages ?? []).map((hit: Message[]) => hit[0]).filter(Boolean) };
  }
}

/** Results grouped by channel, in the order of their first hit. */
export function groupByChannel(messages: readonly Message[]): Array<{ channelId: string; messages: Message[] }> {
  const groups = new Map<string, Message[]>();
  for (const m of messages) {
    const list = groups.get(m.channel_id);
    if (list) list.push(m);
    else groups.set(m.channel_id, [m]);
  }
  return [...groups].map(([channelId, list]) => ({ channelId, messages: list }));
}
