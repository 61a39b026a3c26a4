/** A tiny history-API router: the app's URL is the source of truth for which guild/channel is open. */
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(path: string, opts: { replace?: boolean } = {}) {
  if (location.pathname === path) return;
  if (opts.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((l) => l());
}

export function usePath(): string {
  return useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => location.pathname,
  );
}

export type Route =
  | { name: 'login' }
  | { name: 'register' }
  | { name: 'invite'; code: string }
  | { name: 'template'; code: string }
  | { name: 'oauth2-authorize' }
  /** `lobbyId`: the Game Lobbies page (/channels/@me/lobbies), '' for its list, else the lobby open. */
  | { name: 'channels'; guildId: string; channelId: string | null; lobbyId?: string }
  | { name: 'home' };

export function parseRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'login') return { name: 'login' };
  if (parts[0] === 'register') return { name: 'register' };
  if (parts[0] === 'invite' && parts[1]) return { name: 'invite', code: parts[1] };
  if (parts[0] === 'template' && parts[1]) return { name: 'template', code: parts[1] };
  if (parts[0] === 'oauth2' && parts[1] === 'authorize') return { name: 'oauth2-authorize' };
  if (parts[0] === 'channels' && parts[1] === '@me' && parts[2] === 'lobbies') return { name: 'channels', guildId: '@me', channelId: null, lobbyId: parts[3] ?? '' };
  if (parts[0] === 'channels' && parts[1]) return { name: 'channels', guildId: parts[1], channelId: parts[2] ?? null };
  return { name: 'home' };
}
