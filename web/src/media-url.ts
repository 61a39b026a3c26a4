/**
 * Where pictures and files are loaded from: Discord's CDN paths (avatars, guild icons, default avatars) on the
 * page's own origin — the api process serves the cdn role's paths next to the app, and the page's CSP allows
 * images from 'self' — and server-built absolute URLs (attachments, proxied embed images) made loadable here.
 */
import type { User } from './types.ts';

/**
 * The sizes Discord's CDN serves (every power of two from 16 to 4096, and the in-between ones its own clients
 * ask for); the server answers any other with 400, as Discord does.
 */
const CDN_SIZES = [16, 20, 22, 24, 28, 32, 40, 44, 48, 56, 60, 64, 80, 96, 100, 128, 160, 240, 256, 300, 320, 480, 512, 600, 640, 1024, 1280, 1536, 2048, 3072, 4096];

/** The `?size=` for a picture drawn `px` CSS pixels wide: the smallest served size of twice that (HiDPI screens). */
export function cdnSize(px: number): number {
  const want = Math.ceil(px * 2);
  return CDN_SIZES.find((s) => s >= want) ?? CDN_SIZES[CDN_SIZES.length - 1]!;
}

/** An animated hash (`a_…`) is a GIF; everything else is asked for as PNG (the server converts by extension). */
const ext = (hash: string) => (hash.startsWith('a_') ? 'gif' : 'png');

export function userAvatarUrl(userId: string, hash: string, px: number): string {
  return `/avatars/${userId}/${hash}.${ext(hash)}?size=${cdnSize(px)}`;
}

/** A member's guild-specific avatar. */
export function memberAvatarUrl(guildId: string, userId: string, hash: string, px: number): string {
  return `/guilds/${guildId}/users/${userId}/avatars/${hash}.${ext(hash)}?size=${cdnSize(px)}`;
}

/** A user's profile banner (a wide picture: `px` is its drawn width). */
export function userBannerUrl(userId: string, hash: string, px: number): string {
  return `/banners/${userId}/${hash}.${ext(hash)}?size=${cdnSize(px)}`;
}

/** A member's banner in one guild, shown over the user's there. */
export function memberBannerUrl(guildId: string, userId: string, hash: string, px: number): string {
  return `/guilds/${guildId}/users/${userId}/banners/${hash}.${ext(hash)}?size=${cdnSize(px)}`;
}

/**
 * Discord's default avatars: for the new username system (discriminator "0" or none) the index is
 * (id >> 22) % 6, for legacy tags discriminator % 5.
 */
export function defaultAvatarIndex(user: Pick<User, 'id' | 'discriminator'>): number {
  const legacy = user.discriminator && user.discriminator !== '0' ? Number(user.discriminator) : NaN;
  if (Number.isFinite(legacy)) return legacy % 5;
  try {
    return Number((BigInt(user.id) >> 22n) % 6n);
  } catch {
    return 0;
  }
}

export function defaultAvatarUrl(user: Pick<User, 'id' | 'discriminator'>): string {
  return `/embed/avatars/${defaultAvatarIndex(user)}.png`;
}

export function guildIconUrl(guildId: string, hash: string, px: number): string {
  return `/icons/${guildId}/${hash}.${ext(hash)}?size=${cdnSize(px)}`;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const isLoopback = (host: string) => LOOPBACK.has(host) || host.endsWith('.localhost');

/**
 * A media URL the page can load, or null for anything that is not an absolute http(s) URL.
 *
 * The server builds attachment and media URLs from its configured public base, and with none configured from the
 * address it listens on: http://127.0.0.1:PORT. Someone reaching that server from another machine (a LAN address,
 * a reverse proxy without ACCORD_PUBLIC_URL set) would be sent to *their own* 127.0.0.1, and even on the same
 * machine a page opened as http://localhost:PORT may not load http://127.0.0.1:PORT (the CSP allows 'self'). So a
 * loopback URL is moved to the page's origin, keeping its path and query (the signature): it is the same server.
 * A loopback URL on another port of a loopback page (a separate cdn node on this machine) is left alone.
 */
export function mediaUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw) return null;
  let url: URL;
  try {
    url = new URL(raw); // absolute only: the server always builds absolute URLs
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (isLoopback(url.hostname) && url.origin !== location.origin) {
    const pageLoopback = isLoopback(location.hostname);
    if (!pageLoopback || url.port === location.port) return `${location.origin}${url.pathname}${url.search}${url.hash}`;
  }
  return url.href;
}

/** Bytes as people read them (1024-based, as Discord shows file sizes). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2).replace(/\.?0+$/, '')} ${units[i]}`;
}
