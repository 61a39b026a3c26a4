/**
 * Rich embeds sent by clients, with Discord's limits. Clients cannot set `type` (always rich), provider, video
 * or image sizes: those belong to link unfurls made by the embed role, so they are dropped here.
 */
import { formError } from '../../protocol/errors.ts';
import { z } from '../validate.ts';

export const EMBED_LIMITS = { perMessage: 10, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000 } as const;

const url = z.string().max(2048).refine((v) => {
  try {
    const u = new URL(v);
    return ['http:', 'https:', 'attachment:'].includes(u.protocol);
  } catch {
    return false;
  }
}, { message: 'Scheme must be one of (http, https, attachment).' });

const media = z.object({ url }).transform((m) => ({ url: m.url }));

/** An object's fields without those sent as null: Discord reads a null optional field as left out. */
const withoutNulls = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null)) as { [K in keyof T]: NonNullable<T[K]> };

/**
 * Text fields are trimmed before their limits are checked (Discord: "Leading and trailing whitespace characters are
 * not included (they are trimmed automatically)"), so a whitespace-only footer, author or field is refused as empty.
 */
const text = (max: number) => z.string().trim().max(max);

export const embedSchema = z
  .object({
    title: text(EMBED_LIMITS.title).nullish(),
    description: text(EMBED_LIMITS.description).nullish(),
    url: url.nullish(),
    timestamp: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'Could not parse timestamp.' }).nullish(),
    color: z.number().int().min(0).max(0xffffff).nullish(),
    footer: z.object({ text: text(EMBED_LIMITS.footer).min(1), icon_url: url.nullish() }).transform(withoutNulls).nullish(),
    image: media.nullish(),
    thumbnail: media.nullish(),
    author: z.object({ name: text(EMBED_LIMITS.author).min(1), url: url.nullish(), icon_url: url.nullish() }).transform(withoutNulls).nullish(),
    fields: z
      .array(z.object({ name: text(EMBED_LIMITS.fieldName).min(1), value: text(EMBED_LIMITS.fieldValue).min(1), inline: z.boolean().nullish() }).transform(withoutNulls))
      .max(EMBED_LIMITS.fields)
      .nullish(),
  })
  .transform((e) => {
    const out: Record<string, unknown> = { type: 'rich' };
    for (const [k, v] of Object.entries(e)) if (v != null) out[k] = k === 'timestamp' ? new Date(v as string).toISOString() : v;
    return out;
  });

export const embedsSchema = z.array(embedSchema).max(EMBED_LIMITS.perMessage);

export type Embed = z.infer<typeof embedSchema>;

function embedChars(e: Record<string, any>): number {
  let n = (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text?.length ?? 0) + (e.author?.name?.length ?? 0);
  for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

/** Discord's 6000-character budget is shared by every embed of a message. */
export function checkEmbedTotal(embeds: readonly Record<string, unknown>[]): void {
  const total = embeds.reduce((n, e) => n + embedChars(e), 0);
  if (total > EMBED_LIMITS.total) {
    throw formError([{ path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: `Embed size exceeds maximum size of ${EMBED_LIMITS.total}` }]);
  }
}
