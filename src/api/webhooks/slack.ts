/**
 * POST /webhooks/{id}/{token}/slack: a Slack incoming-webhook payload, mapped the way Discord maps it, into the
 * body of an ordinary execute (execute.ts validates it from there).
 *
 *   text                         → content (Slack's `<url|label>` links become `[label](url)`, `<url>` the bare
 *                                  URL, `<!everyone>` / `<!channel>` / `<!here>` the @everyone / @here
 *                                  mentions, and `&amp;` `&lt;` `&gt;` are unescaped)
 *   username, icon_url           → username, avatar_url
 *   attachments[] (at most 10)   → embeds[], each:
 *     pretext                    → a line of content after `text` (Slack shows it above the attachment)
 *     color                      → color (`good`, `warning`, `danger`, `#rgb`, `#rrggbb`)
 *     author_name / _link / _icon → author.name / url / icon_url
 *     title, title_link          → title, url
 *     text                       → description
 *     fields[] {title, value, short} → fields[] {name, value, inline}
 *     image_url, thumb_url       → image.url, thumbnail.url
 *     footer, footer_icon        → footer.text, footer.icon_url
 *     ts (Unix seconds)          → timestamp
 *
 * Not supported, as on Discord: channel, icon_emoji, mrkdwn, mrkdwn_in, blocks. Text longer than a Discord field
 * takes is cut to fit (Slack integrations cannot know Discord's limits). The body may be JSON or a form with a
 * `payload` field holding the JSON (platform-body.ts). `wait` defaults to true; the answer is Slack's:
 * 200 `ok` (with wait=false also when the message was refused).
 */
import { EMBED_LIMITS } from '../messages/embeds.ts';
import { parse, z } from '../validate.ts';
import { WEBHOOK_NAME_MAX } from './names.ts';

const text = z.string().max(100_000).nullish();
const slackAttachment = z.looseObject({
  fallback: text,
  color: text,
  pretext: text,
  author_name: text,
  author_link: text,
  author_icon: text,
  title: text,
  title_link: text,
  text,
  fields: z.array(z.looseObject({ title: text, value: text, short: z.boolean().nullish() })).max(25).nullish(),
  image_url: text,
  thumb_url: text,
  footer: text,
  footer_icon: text,
  ts: z.union([z.number(), z.string()]).nullish(),
});

export const slackSchema = z.object({
  text,
  username: text,
  icon_url: text,
  attachments: z.array(slackAttachment).max(10).nullish(),
});

type SlackAttachment = z.infer<typeof slackAttachment>;

/** Slack's named attachment colours. */
const NAMED_COLORS: Record<string, number> = { good: 0x2eb886, warning: 0xdaa038, danger: 0xa30200 };

/** Discord's embed fields need some text; Slack's may be empty. */
const BLANK = '\u200b';

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Slack's message formatting as Discord markdown. */
export function slackText(s: string): string {
  return s
    .replace(/<!(everyone|channel)(\|[^>]*)?>/g, '@everyone')
    .replace(/<!here(\|[^>]*)?>/g, '@here')
    .replace(/<((?:https?|mailto):[^|>\s]+)\|([^>]+)>/g, '[$2]($1)')
    .replace(/<((?:https?|mailto):[^|>\s]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function slackColor(c: string | null | undefined): number | undefined {
  if (!c) return undefined;
  const named = NAMED_COLORS[c.toLowerCase()];
  if (named !== undefined) return named;
  const hex = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c.trim())?.[1];
  if (!hex) return undefined;
  return parseInt(hex.length === 3 ? [...hex].map((d) => d + d).join('') : hex, 16);
}

function slackTime(ts: number | string | null | undefined): string | undefined {
  const seconds = typeof ts === 'string' ? Number(ts) : ts;
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** One attachment as a Discord embed (unset fields left out; the execute schema checks the URLs). */
function slackEmbed(a: SlackAttachment): Record<string, unknown> {
  const embed: Record<string, unknown> = {};
  const color = slackColor(a.color);
  if (color !== undefined) embed.color = color;
  if (a.author_name) embed.author = { name: cut(a.author_name, EMBED_LIMITS.author), ...(a.author_link ? { url: a.author_link } : {}), ...(a.author_icon ? { icon_url: a.author_icon } : {}) };
  if (a.title) embed.title = cut(slackText(a.title), EMBED_LIMITS.title);
  if (a.title_link) embed.url = a.title_link;
  if (a.text) embed.description = cut(slackText(a.text), EMBED_LIMITS.description);
  if (a.fields?.length) {
    embed.fields = a.fields.map((f) => ({
      name: cut(slackText(f.title || BLANK), EMBED_LIMITS.fieldName),
      value: cut(slackText(f.value || BLANK), EMBED_LIMITS.fieldValue),
      inline: Boolean(f.short),
    }));
  }
  if (a.image_url) embed.image = { url: a.image_url };
  if (a.thumb_url) embed.thumbnail = { url: a.thumb_url };
  if (a.footer) embed.footer = { text: cut(a.footer, EMBED_LIMITS.footer), ...(a.footer_icon ? { icon_url: a.footer_icon } : {}) };
  const timestamp = slackTime(a.ts);
  if (timestamp) embed.timestamp = timestamp;
  // An attachment with nothing to show but its fallback shows that, as Slack's clients do.
  const shows = Object.keys(embed).some((k) => k !== 'color' && k !== 'timestamp');
  if (!shows && a.fallback) embed.description = cut(slackText(a.fallback), EMBED_LIMITS.description);
  return embed;
}

/** The execute body for a Slack payload. */
export function slackToExecute(raw: unknown): Record<string, unknown> {
  const slack = parse(slackSchema, raw);
  const lines = [slack.text ? slackText(slack.text) : '', ...(slack.attachments ?? []).map((a) => (a.pretext ? slackText(a.pretext) : ''))].filter(Boolean);
  const embeds = (slack.attachments ?? []).map(slackEmbed).filter((e) => Object.keys(e).length > 0);
  return {
    content: cut(lines.join('\n'), 2000),
    ...(slack.username ? { username: cut(slack.username, WEBHOOK_NAME_MAX) } : {}),
    ...(slack.icon_url ? { avatar_url: slack.icon_url } : {}),
    ...(embeds.length ? { embeds } : {}),
  };
}
