/**
 * The embed role: takes jobs from the durable `embed` queue (recorded by the message write path in the
 * message's own transaction), unfurls each URL (fetch.ts behind the SSRF guard, build.ts for the embed with the
 * cdn role's proxy URL for its pictures, a per-URL cache), and writes the message's link embeds with a partial
 * MESSAGE_UPDATE (id, channel_id, guild_id, embeds) recorded in the same transaction through its own outbox relay.
 *
 * The message is read again just before the write: nothing is written when it was deleted meanwhile (the
 * store's update refuses a missing message, so it is never resurrected), when SUPPRESS_EMBEDS is now set, or for
 * a URL its content no longer has. Embeds the author sent (rich) are kept; link embeds are replaced.
 *
 * While the role is down jobs wait in the queue (sending is unaffected); they are done when a node starts.
 * Handling a job twice (at-least-once delivery) writes the same embeds, and an unchanged set is not written.
 */
import { GatewaySubjects, Queues, consumeJobs, type EmbedJob } from '../contracts/index.ts';
import { OutboxRelay } from '../contracts/outbox.ts';
import type { Consumer } from '../bus/types.ts';
import type { RoleDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import { externalProxyUrl } from '../media/external-url.ts';
import { parseAllowList } from '../media/ssrf.ts';
import { SUPPRESS_EMBEDS_FLAG, MAX_UNFURL_URLS, unfurlUrls } from '../protocol/message-urls.ts';
import { NotFoundError } from '../store/errors.ts';
import type { MessageRecord, OutboxRecord } from '../store/types.ts';
import { buildEmbed, type LinkEmbed } from './build.ts';
import { UnfurlCache } from './cache.ts';
import { fetchForEmbed, fetchOembed, type FetchOptions } from './fetch.ts';
import { readPageMeta } from './page-meta.ts';
import { attachmentLinks } from '../media/attachments.ts';
import { messageCreateRebuilder } from '../shapes/message.ts';
import { embedsWithFiles } from '../shapes/embed-files.ts';

export const EMBED_DEFAULTS = {
  /** URLs whose unfurl is remembered. */
  cacheEntries: 5_000,
  /** How long an unfurl (or the finding that a URL has none) is remembered. */
  cacheTtlMs: 10 * 60_000,
  /** Jobs one node handles at once (each fetches up to five URLs). */
  concurrency: 8,
  /** A message shows at most this many embeds. */
  maxEmbeds: 10,
} as const;

export type EmbedRoleOptions = Partial<Pick<FetchOptions, 'timeoutMs' | 'maxBytes' | 'maxRedirects' | 'resolve'>>;

const LINK_TYPES = new Set(['link', 'article', 'image', 'video', 'gifv']);

export async function startEmbedRole(deps: RoleDeps, options: EmbedRoleOptions = {}): Promise<RunningRole> {
  const log = deps.log.child({ role: 'embed' });
  const fetchOptions: FetchOptions = { allow: parseAllowList(deps.config.embedAllowHosts), maxPixels: deps.config.imageMaxPixels, ...options };
  const relay = new OutboxRelay({
    store: deps.store, bus: deps.bus, ids: deps.ids, log: log.child({ part: 'outbox' }), now: deps.now,
    sweepIntervalMs: deps.config.outboxSweepIntervalMs, staleAfterMs: deps.config.outboxStaleAfterMs,
    // The api role's relay sweeps when it runs in this process (the outbox is one table for both).
    sweeps: !deps.config.roles.includes('api'),
    // A dead api node's message creates are recorded by reference (contracts/outbox.ts).
    rebuild: messageCreateRebuilder(deps.store, () => attachmentLinks(deps.links, deps.now())),
  });
  relay.start();
  const cache = new UnfurlCache<LinkEmbed | null>(EMBED_DEFAULTS.cacheEntries, EMBED_DEFAULTS.cacheTtlMs, deps.now);
  const counts = { jobs: 0, done: 0, fetches: 0, refused: 0, updates: 0 };
  // Pictures are shown through the cdn role's image proxy; a URL it would never fetch keeps itself.
  const proxy = (url: string) => externalProxyUrl(deps.links.cdnBase(), deps.links.signingKey, url) ?? url;

  const unfurl = (url: string) =>
    cache.get(url, async () => {
      counts.fetches++;
      try {
        const fetched = await fetchForEmbed(url, fetchOptions);
        if (!fetched) return null;
        if (fetched.kind !== 'html') return buildEmbed(url, fetched, proxy, null, null);
        const page = await readPageMeta(fetched.body);
        return buildEmbed(url, fetched, proxy, page, await oembedOf(page.oembedHref, fetched.url));
      } catch (err) {
        // Refused, unreachable or too slow: no embed, remembered like any other answer.
        counts.refused++;
        log.debug({ url, err: (err as Error).message }, 'no unfurl');
        return null;
      }
    });

  // A page's oEmbed answer, when it links one: fetched behind the same guard; a failure only loses what it adds.
  const oembedOf = async (href: string | undefined, pageUrl: string) => {
    if (!href) return null;
    let target: URL;
    try {
      target = new URL(href, pageUrl);
    } catch {
      return null;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
    counts.fetches++;
    return fetchOembed(target.href, fetchOptions).catch((err) => {
      log.debug({ url: target.href, err: (err as Error).message }, 'no oEmbed');
      return null;
    });
  };

  const handle = async (job: EmbedJob) => {
    counts.jobs++;
    try {
      await unfurlJob(job);
    } finally {
      counts.done++;
    }
  };

  const unfurlJob = async (job: EmbedJob) => {
    if (!job || typeof job.messageId !== 'string' || typeof job.channelId !== 'string' || !Array.isArray(job.urls)) return;
    const urls = job.urls.filter((u): u is string => typeof u === 'string').slice(0, MAX_UNFURL_URLS);
    const unfurled = new Map<string, LinkEmbed | null>();
    await Promise.all(urls.map(async (u) => unfurled.set(u, await unfurl(u))));

    const message = await deps.store.messages.get(job.channelId, job.messageId);
    if (!message || message.flags & SUPPRESS_EMBEDS_FLAG) return;
    const embeds = nextEmbeds(message, unfurled);
    if (JSON.stringify(embeds) === JSON.stringify(message.embeds)) return;
    await writeEmbeds(message, embeds);
  };

  const writeEmbeds = async (message: MessageRecord, embeds: Record<string, unknown>[]) => {
    const channel = await deps.store.channels.get(message.channelId);
    if (!channel) return;
    // Embeds that show the message's own files (attachment://) go out as every render gives them (shapes/embed-files.ts).
    const shown = message.attachments.length ? embedsWithFiles(message.channelId, embeds, message.attachments, attachmentLinks(deps.links, Date.now()))?.embeds : null;
    const d = { id: message.id, channel_id: message.channelId, ...(message.guildId ? { guild_id: message.guildId } : {}), embeds: shown ?? embeds };
    let outbox: OutboxRecord[];
    if (channel.guildId) outbox = [relay.event(GatewaySubjects.guildDispatch(channel.guildId), { t: 'MESSAGE_UPDATE', d, guildId: channel.guildId, channelId: channel.id })];
    else outbox = [...new Set(await deps.store.channels.listRecipients(channel.id))].map((userId) => relay.event(GatewaySubjects.userDispatch(userId), { t: 'MESSAGE_UPDATE', d }));
    // The embeds' text becomes searchable (and `has: embed`): the search role re-reads the message.
    outbox.push(relay.job(Queues.searchIndex, { op: 'upsert', channelId: message.channelId, ...(message.guildId ? { guildId: message.guildId } : {}), messageIds: [message.id] }));
    try {
      await deps.store.messages.update(message.channelId, message.id, { embeds }, { outbox });
    } catch (err) {
      if (err instanceof NotFoundError) return; // deleted meanwhile: stays deleted
      throw err;
    }
    counts.updates++;
    await relay.published(outbox);
  };

  const consumer: Consumer = await consumeJobs(deps.bus, Queues.embed, handle, { concurrency: EMBED_DEFAULTS.concurrency });
  let closed = false;
  log.debug('embed role started');

  return {
    name: 'embed',
    ready: () => !closed,
    metrics: () => [
      { name: 'embed_jobs_total', help: 'Embed jobs taken from the queue', type: 'counter', value: counts.jobs },
      { name: 'embed_jobs_done_total', help: 'Embed jobs finished (written, skipped or failed)', type: 'counter', value: counts.done },
      { name: 'embed_fetches_total', help: 'URLs fetched for an unfurl (cache misses)', type: 'counter', value: counts.fetches },
      { name: 'embed_refused_total', help: 'Unfurl fetches refused or failed (SSRF guard, timeouts, errors)', type: 'counter', value: counts.refused },
      { name: 'embed_updates_total', help: 'Messages whose embeds were written', type: 'counter', value: counts.updates },
      { name: 'embed_cache_entries', help: 'URLs in the unfurl cache', type: 'gauge', value: cache.size },
    ],
    close: async () => {
      if (closed) return;
      closed = true;
      await consumer.stop();
      await relay.close();
      cache.clear();
    },
  };
}

/**
 * The message's embeds after an unfurl: those its author sent, then one link embed per URL the content still
 * has, in content order: this job's result for its URLs, the embed already there for the others.
 */
export function nextEmbeds(message: MessageRecord, unfurled: ReadonlyMap<string, LinkEmbed | null>): Record<string, unknown>[] {
  const existing = message.embeds as Record<string, unknown>[];
  const sent = existing.filter((e) => !LINK_TYPES.has(String(e.type)));
  const links: Record<string, unknown>[] = [];
  for (const url of unfurlUrls(message.content)) {
    const embed = unfurled.has(url) ? unfurled.get(url) : existing.find((e) => LINK_TYPES.has(String(e.type)) && e.url === url);
    if (embed) links.push(embed);
  }
  return [...sent, ...links].slice(0, EMBED_DEFAULTS.maxEmbeds);
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startEmbedRole(deps);
