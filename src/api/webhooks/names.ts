/**
 * Discord's rule for a webhook's name, and for the `username` a sender shows instead: 1–80 characters, without
 * "clyde" or "discord" anywhere in it, whatever the case (Discord's USERNAME_INVALID_CONTAINS).
 */
import { z } from '../validate.ts';

export const WEBHOOK_NAME_MAX = 80;
const RESERVED = ['clyde', 'discord'] as const;

// Trimmed first, as Discord trims names ("sanitized and trimmed"): a name of spaces alone is too short.
export const webhookNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(WEBHOOK_NAME_MAX)
  .superRefine((name, ctx) => {
    const lower = name.toLowerCase();
    const word = RESERVED.find((w) => lower.includes(w));
    if (word) ctx.addIssue({ code: 'custom', message: `Username cannot contain "${word}"`, params: { discordCode: 'USERNAME_INVALID_CONTAINS' } });
  });
