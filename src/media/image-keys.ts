/**
 * Where images set through image data live in the blob store, shared by the api role (which stores them) and the
 * cdn role (which serves them). An image's key is its CDN path without the extension — `avatars/{user_id}/{hash}`,
 * `icons/{guild_id}/{hash}`, `banners/{user_or_guild_id}/{hash}`, `splashes/{guild_id}/{hash}`,
 * `role-icons/{role_id}/{hash}`, `app-icons/{application_id}/{hash}`, `channel-icons/{channel_id}/{hash}` (group DMs),
 * `guilds/{guild_id}/users/{user_id}/avatars/{hash}` and `.../banners/{hash}` (a member's own in a guild), webhook avatars at `avatars/{webhook_id}/{hash}` (Discord serves
 * them on the user avatar path; no snowflake names both a user and a webhook) — and holds the bytes as uploaded.
 * Renditions (other sizes and formats) are cached under `cache/` + that key + `/` + the rendition's name; the hash
 * names the bytes, so none of them ever changes.
 */
export type ImageOwner =
  | { kind: 'avatars' | 'banners' | 'icons' | 'splashes' | 'role-icons' | 'app-icons' | 'channel-icons'; id: string }
  | { kind: 'webhook-avatars'; id: string }
  | { kind: 'member-avatars' | 'member-banners'; guildId: string; userId: string }
  /** Custom emoji: one image per emoji, at `emojis/{emoji_id}` (the "hash" is the emoji's id). */
  | { kind: 'emojis' };

/** The folder of one owner's images: the CDN path up to the hash. */
export function imageFolder(owner: ImageOwner): string {
  if ('guildId' in owner) return `guilds/${owner.guildId}/users/${owner.userId}/${owner.kind.slice('member-'.length)}`;
  if (owner.kind === 'webhook-avatars') return `avatars/${owner.id}`;
  if (owner.kind === 'emojis') return 'emojis';
  return `${owner.kind}/${owner.id}`;
}

export function imageKey(owner: ImageOwner, hash: string): string {
  return `${imageFolder(owner)}/${hash}`;
}

/** Where a rendition of the image at `key` is cached, e.g. `cache/avatars/1/abc/64.webp`. */
export function renditionKey(key: string, rendition: string): string {
  return `cache/${key}/${rendition}`;
}
