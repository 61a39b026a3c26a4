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

export const embedSchema = z
  .object({
    title: z.string().max(EMBED_LIMITS.title).optional(),
    description: z.string().max(EMBED_LIMITS.description).optional(),
    url: url.optional(),
    timestamp: z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: 'Could not parse timestamp.' }).optional(),
    color: z.number().int().min(0).max(0xffffff).optional(),
    footer: z.object({ text: z.string().min(1).max(EMBED_LIMITS.footer), icon_url: url.optional() }).optional(),
    image: media.optional(),
    thumbnail: media.optional(),
    author: z.object({ name: z.string().min(1).max(EMBED_LIMITS.author), url: url.optional(), icon_url: url.optional() }).optional(),
    fields: z
      .array(z.object({ name: z.string().min(1).max(EMBED_LIMITS.fieldName), value: z.string().min(1).max(EMBED_LIMITS.fieldValue), inline: z.boolean().optional() }))
      .max(EMBED_LIMITS.fields)
      .optional(),
  })
  .transform((e) => {
    const out: Record<string, unknown> = { type: 'rich' };
    for (const [k, v] of Object.entries(e)) if (v !== undefined) out[k] = k === 'timestamp' ? new Date(v as string).toISOString() : v;
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
