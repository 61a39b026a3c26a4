/**
 * Length limits the store enforces (in UTF-16 code units, as JavaScript counts them), in one table. The API
 * validates tighter, Discord-facing limits before calling the store; these are the storage ceilings.
 */
import { VOICE_CHANNEL_STATUS_MAX } from '../protocol/channel-types.ts';

export const LIMITS = {
  username: { min: 2, max: 32 },
  globalName: { min: 0, max: 32 },
  email: { min: 0, max: 320 },
  bio: { min: 0, max: 190 },
  /** A user's private note on another user (Discord's limit). */
  note: { min: 1, max: 256 },
  guildName: { min: 2, max: 100 },
  channelName: { min: 1, max: 100 },
  /** Forum and media channel topics run to 4096; other channels' to 1024 (the API checks which). */
  topic: { min: 0, max: 4096 },
  /** A voice channel's status. */
  voiceStatus: { min: 1, max: VOICE_CHANNEL_STATUS_MAX },
  roleName: { min: 0, max: 100 },
  nick: { min: 0, max: 32 },
  /** Discord allows 2000 for users (4000 with Nitro); the API enforces 2000, the store leaves room. */
  messageContent: { min: 0, max: 4000 },
  inviteCode: { min: 1, max: 32 },
  reason: { min: 0, max: 512 },
  applicationName: { min: 2, max: 32 },
  applicationDescription: { min: 0, max: 400 },
  nonce: { min: 0, max: 64 },
  emojiName: { min: 1, max: 64 },
  webhookName: { min: 1, max: 80 },
  /** Links a record keeps as given (a webhook message's avatar_url). */
  url: { min: 1, max: 2048 },
  /** Token hashes, image hashes, locales, push endpoint keys … */
  shortText: { min: 0, max: 256 },
  pushEndpoint: { min: 1, max: 2048 },
  eventName: { min: 1, max: 100 },
  eventDescription: { min: 0, max: 1000 },
  autoModRuleName: { min: 1, max: 100 },
  templateName: { min: 1, max: 100 },
  templateDescription: { min: 0, max: 120 },
  templateCode: { min: 1, max: 32 },
} as const satisfies Record<string, { min: number; max: number }>;

export type LimitName = keyof typeof LIMITS;

/** Page sizes: [min, max, default]. */
export const PAGE_LIMITS = {
  messages: { min: 1, max: 100, default: 50 },
  members: { min: 1, max: 1000, default: 1000 },
  bans: { min: 1, max: 1000, default: 1000 },
  reactions: { min: 1, max: 100, default: 25 },
  memberSearch: { min: 1, max: 1000, default: 1 },
} as const;
