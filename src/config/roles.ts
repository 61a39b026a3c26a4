/**
 * The roles a process can run. A process starts them in this order before it listens, and stops sessions first
 * (op 7 RECONNECT to every client while the bus and store are still up), then the others in reverse. The settings (`ACCORD_ROLES` and its README row), the CLI's usage text and
 * the process's role registry (src/roles.ts, which loads `start` from src/<name>/index.ts) all come from this list.
 */
export const ROLE_CATALOG = [
  { name: 'api', summary: 'REST under /api/v10 and the web client' },
  { name: 'sessions', summary: 'the gateway: WebSocket sessions, fan-out, resume' },
  { name: 'guild', summary: 'live guild state; answers GUILD_CREATE snapshots and member requests' },
  { name: 'presence', summary: 'online status and activities' },
  { name: 'cdn', summary: 'files: attachment, avatar and icon URLs (resized on request), proxied embed images; deletes the files of deleted messages' },
  { name: 'embed', summary: 'link unfurls: fetches URLs of new messages (SSRF-guarded) and adds their embeds' },
  { name: 'search', summary: 'message search: indexes messages from the search.index queue (history lazily, on first search) and answers queries' },
  { name: 'push', summary: 'push notifications: Web Push to the devices of users not looking, from the push.message queue' },
] as const;

export type Role = (typeof ROLE_CATALOG)[number]['name'];
export const ALL_ROLES = ROLE_CATALOG.map((r) => r.name) as [Role, ...Role[]];
