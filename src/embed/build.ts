/**
 * Discord's link embeds from what a fetch found: `type` 'link' (a page), 'article' (og:type article), 'video'
 * (og:type video.*, or an og:video) or 'image' (the URL is an image); `url` is the posted URL, as Discord gives
 * it, so clients can tell which link an embed belongs to.
 *
 * Every image, thumbnail and video carries `proxy_url`, the cdn role's signed /external URL of it
 * (media/external-url.ts), so clients load them from Accord and never contact third parties directly.
 */
import type { Fetched, OEmbed } from './fetch.ts';
import type { PageMeta } from './page-meta.ts';

/** Discord trims unfurled text; these are the lengths its clients show. */
export const UNFURL_LIMITS = { title: 256, description: 350, provider: 256 } as const;

export type LinkEmbed = Record<string, unknown> & { type: string; url: string };

/** The URL clients load a picture or video from (the CDN's proxy URL of it). */
export type ProxyUrl = (url: string) => string;

/**
 * `page` is what the fetched page says of itself (read once by the caller, which also follows its oEmbed link);
 * `oembed` is that link's answer: OpenGraph wins where both speak, oEmbed adds the author (which OpenGraph has no
 * tag for) and fills a missing title, provider or thumbnail.
 */
export function buildEmbed(postedUrl: string, fetched: Fetched, proxy: ProxyUrl, page: PageMeta | null, oembed: OEmbed | null): LinkEmbed | null {
  const media = (url: string, width?: number, height?: number): Record<string, unknown> =>
    ({ url, proxy_url: proxy(url), ...(width ? { width } : {}), ...(height ? { height } : {}) });
  if (fetched.kind === 'image') return { type: 'image', url: postedUrl, thumbnail: media(fetched.url, fetched.width, fetched.height) };
  if (!page) return null;
  const { meta, title: pageTitle } = page;
  const get = (...keys: string[]) => keys.map((k) => meta.get(k)).find((v) => v !== undefined && v !== '');
  const title = get('og:title', 'twitter:title') ?? oembed?.title ?? pageTitle;
  const description = get('og:description', 'twitter:description', 'description');
  const siteName = get('og:site_name') ?? oembed?.provider_name;
  const ogImage = absolute(get('og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src'), fetched.url);
  const oembedImage = ogImage ? undefined : absolute(oembed?.thumbnail_url, fetched.url);
  const imageUrl = ogImage ?? oembedImage;
  const videoUrl = absolute(get('og:video:secure_url', 'og:video:url', 'og:video'), fetched.url);
  const ogType = (get('og:type') ?? '').toLowerCase();
  if (!title && !description && !imageUrl) return null;

  const embed: LinkEmbed = { type: ogType.startsWith('video') || videoUrl ? 'video' : ogType === 'article' ? 'article' : 'link', url: postedUrl };
  if (title) embed.title = trim(title, UNFURL_LIMITS.title);
  if (description) embed.description = trim(description, UNFURL_LIMITS.description);
  const color = parseColor(get('theme-color'));
  if (color !== undefined) embed.color = color;
  if (siteName) {
    const providerUrl = get('og:site_name') ? undefined : absolute(oembed?.provider_url, fetched.url);
    embed.provider = { name: trim(siteName, UNFURL_LIMITS.provider), ...(providerUrl ? { url: providerUrl } : {}) };
  }
  if (oembed?.author_name) {
    const authorUrl = absolute(oembed.author_url, fetched.url);
    embed.author = { name: trim(oembed.author_name, UNFURL_LIMITS.provider), ...(authorUrl ? { url: authorUrl } : {}) };
  }
  if (imageUrl) {
    const image = oembedImage
      ? media(imageUrl, oembed?.thumbnail_width, oembed?.thumbnail_height)
      : media(imageUrl, size(get('og:image:width')), size(get('og:image:height')));
    // A large card shows its picture under the text; other pages get a thumbnail beside it.
    if (get('twitter:card') === 'summary_large_image' && embed.type !== 'video') embed.image = image;
    else embed.thumbnail = image;
  }
  if (videoUrl) embed.video = media(videoUrl, size(get('og:video:width')), size(get('og:video:height')));
  return embed;
}

function absolute(value: string | undefined, base: string): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function size(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n <= 100_000 ? n : undefined;
}

function parseColor(value: string | undefined): number | undefined {
  const hex = value?.trim().match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i)?.[1];
  if (!hex) return undefined;
  return parseInt(hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex, 16);
}

function trim(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
