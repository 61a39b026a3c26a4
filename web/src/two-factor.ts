/**
 * Two-factor log-in for the web client: the secret is made here, as Discord's client makes it (20 random bytes in
 * base32, what authenticator apps take), shown as text and as an otpauth:// link; the server checks a code made
 * from it before turning 2FA on (api/routes/mfa.ts).
 */
import { base32Encode } from '../../src/protocol/base32.ts';
import { rest } from './api.ts';
import { store } from './store.ts';

export const newTwoFactorSecret = () => base32Encode(crypto.getRandomValues(new Uint8Array(20)));

/** The secret in groups of four, as it is easier to type into an app. */
export const groupedSecret = (secret: string) => secret.match(/.{1,4}/g)!.join(' ');

/** The link authenticator apps open (Key Uri Format): the account's name and the server's host as issuer. */
export function otpauthUrl(secret: string, account: string, issuer = location.host): string {
  return `otpauth://totp/${encodeURIComponent(`${issuer}:${account}`)}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&digits=6&period=30`;
}

/**
 * Server-wide 2FA (the owner's, POST /guilds/{id}/mfa): 1 requires two-factor log-in of everyone using moderator
 * permissions, 0 does not. The answer's level is kept at once; GUILD_UPDATE brings it to every other tab.
 */
export async function setGuildMfaLevel(guildId: string, level: 0 | 1): Promise<void> {
  const res = await rest.post<{ level: number }>(`/guilds/${guildId}/mfa`, { level });
  store.update((s) => {
    const g = s.guilds[guildId];
    return g ? { guilds: { ...s.guilds, [guildId]: { ...g, mfa_level: res.level } } } : undefined;
  });
}
