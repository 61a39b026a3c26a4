/**
 * Everything the UI does to the server: auth, the gateway session, and REST actions. Optimistic where the
 * user waits on the result (sending, reacting), always reconciled by the server's answer or event.
 */
import { blockedText } from './auto-moderation.ts';
import { ApiError, DISCORD_EPOCH, compareIds, rest } from './api.ts';
import { applyDispatch, expireTyping } from './events.ts';
import { GatewayClient, MAX_PAYLOAD_BYTES } from './gateway.ts';
import { settleAutocomplete, settleInteraction } from './interaction-outcomes.ts';
import { inviteCreateForm } from './community-invites.ts';
import { disablePush, offerPushPrompt } from './push.ts';
import { navigate } from './router.ts';
import { mergeMessages, store, upsertMessage, type ChannelMessages } from './store.ts';
import type { Channel, Guild, Invite, Message, Overwrite, Role, Status, User } from './types.ts';

const TOKEN_KEY = 'accord.token';
const PAGE = 50;
const TYPING_THROTTLE_MS = 8_000;

let gateway: GatewayClient | null = null;
let typingTimer: ReturnType<typeof setInterval> | null = null;

export const savedToken = () => localStorage.getItem(TOKEN_KEY);

/**
 * Set while a password change swaps this tab's token: the server revokes the old one (its REST calls get 401, its
 * gateway closes 4004) before the new one is in hand, and neither means "logged out" then.
 */
let rotatingToken = false;

// A 401 for a token this tab no longer uses (a request that raced a password change) is no reason to log out.
rest.onUnauthorized((token) => {
  if (!rotatingToken && token === rest.token) void endSession();
});

export function startSession(token: string) {
  localStorage.setItem(TOKEN_KEY, token);
  rest.setToken(token);
  gateway?.destroy();
  store.update(() => ({ conn: 'connecting' }));
  const gw = new GatewayClient({
    token,
    status: store.state.myStatus,
    handlers: {
      dispatch: (t, d) => {
        applyDispatch(t, d);
        settleInteraction(t, d);
        settleAutocomplete(t, d);
        // A fresh session starts with no member subscriptions (a resumed one keeps them).
        if (t === 'READY') {
          sentMembers.clear();
          presenceAsks.length = 0;
          askedChannelInfo.clear();
        }
        if (t === 'GUILD_CREATE') {
          maybeRequestMembers(d.id);
          flushMemberSubscriptions();
          askedChannelInfo.delete(d.id);
          flushChannelInfo();
        }
      },
      state: (conn) => {
        store.update(() => ({ conn }));
        if (conn === 'ready') {
          flushMemberSubscriptions();
          flushChannelInfo();
        }
      },
      newSession: () => void refetchLoadedChannels(),
      fatal: (code) => {
        if (code === 4004 && gateway === gw && !rotatingToken) void endSession();
      },
    },
  });
  gateway = gw;
  gw.start();
  (window as any).__accordGateway = gw;
  typingTimer ??= setInterval(expireTyping, 1000);
}

/** Clears everything local (token, state, socket) without calling the server. */
async function endSession() {
  gateway?.destroy();
  gateway = null;
  if (typingTimer) clearInterval(typingTimer);
  typingTimer = null;
  wantedMembers.clear();
  sentMembers.clear();
  presenceAsks.length = 0;
  if (subscribeTimer) clearTimeout(subscribeTimer);
  subscribeTimer = null;
  localStorage.removeItem(TOKEN_KEY);
  rest.setToken(null);
  // Whoever logs in next on this browser must not get this account's notifications (the server drops the device
  // once its endpoint is gone).
  void disablePush({ server: false }).catch(() => {});
  store.reset();
  navigate('/login', { replace: true });
}

export async function logout() {
  // Before the token is revoked: removing the device takes it.
  await disablePush().catch(() => {});
  await rest.post('/auth/logout').catch(() => {});
  await endSession();
}

/**
 * Logs in with the password. With two-factor on, the server answers a ticket instead of a token: returned for
 * the form to ask for a code (loginWithCode).
 */
export async function login(loginName: string, password: string): Promise<{ ticket: string } | null> {
  // A 429 goes straight to the form, which counts the wait down (rather than a button that just sits there).
  const res = await rest.request<{ token: string | null; mfa?: boolean; ticket?: string }>('POST', '/auth/login', { login: loginName, password }, undefined, { rateLimitRetries: 0 });
  if (res.mfa && res.ticket) return { ticket: res.ticket };
  startSession(res.token!);
  return null;
}

/** The second step of a two-factor log-in: a code from the authenticator app, or a backup code. */
export async function loginWithCode(ticket: string, code: string) {
  const res = await rest.request<{ token: string }>('POST', '/auth/mfa/totp', { ticket, code }, undefined, { rateLimitRetries: 0 });
  startSession(res.token);
}

/**
 * Turns two-factor log-in on or off. Either way the server ends every other log-in of the account and answers a
 * fresh token for this tab (as a password change does). Enabling returns the backup codes, shown once.
 */
export async function enableTwoFactor(secret: string, code: string, password: string): Promise<string[]> {
  return rotateWith(async () => {
    const res = await rest.post<{ token: string; backup_codes: Array<{ code: string }> }>('/users/@me/mfa/totp/enable', { secret, code, password });
    return { token: res.token, value: res.backup_codes.map((c) => c.code) };
  });
}

/** Ten new backup codes (the old ones stop working); the password confirms it. */
export async function regenerateBackupCodes(password: string): Promise<string[]> {
  const res = await rest.post<{ backup_codes: Array<{ code: string }> }>('/users/@me/mfa/codes', { password, regenerate: true });
  return res.backup_codes.map((c) => c.code);
}

export async function disableTwoFactor(code: string): Promise<void> {
  await rotateWith(async () => ({ token: (await rest.post<{ token: string }>('/users/@me/mfa/totp/disable', { code })).token, value: undefined }));
}

async function rotateWith<T>(call: () => Promise<{ token: string; value: T }>): Promise<T> {
  rotatingToken = true;
  try {
    const { token, value } = await call();
    startSession(token);
    return value;
  } finally {
    rotatingToken = false;
  }
}

export async function register(username: string, password: string, email?: string) {
  const res = await rest.request<{ token: string }>('POST', '/auth/register', { username, password, ...(email ? { email } : {}) }, undefined, { rateLimitRetries: 0 });
  startSession(res.token);
}

export function setStatus(status: Status) {
  localStorage.setItem('accord.status', status);
  store.update((s) => ({ myStatus: status, presences: s.me ? { ...s.presences, [s.me.id]: status === 'invisible' ? 'offline' : status } : s.presences }));
  gateway?.updatePresence(status);
}

/** `password` (the current one) is needed to change the username or email, as on Discord. */
/** `avatar`: a data URI to set, null to remove (Discord's PATCH /users/@me). */
export async function updateProfile(body: { username?: string; email?: string; global_name?: string | null; password?: string; avatar?: string | null; banner?: string | null; bio?: string }) {
  const me = await rest.patch<User>('/users/@me', body);
  store.update((s) => ({ me: { ...s.me, ...me }, users: { ...s.users, [me.id]: { ...s.users[me.id], ...me } } }));
}

/**
 * Changes the password. The server revokes every token of the account, this tab's included, and answers with a
 * fresh one: the tab carries on with it (a new gateway session); every other device is logged out.
 */
export async function changePassword(password: string, newPassword: string): Promise<void> {
  await rotateWith(async () => {
    const res = await rest.patch<User & { token?: string }>('/users/@me', { password, new_password: newPassword });
    // Always a token when the password changed (the server revoked the old one).
    return { token: res.token!, value: undefined };
  });
}

/** One log-in of the account (Discord's "auth session"): GET /auth/sessions. */
export interface AuthSession {
  id_hash: string;
  approx_last_used_time: string;
  client_info: { os: string | null; platform: string | null; location: string | null };
}

export async function listAuthSessions(): Promise<AuthSession[]> {
  return (await rest.get<{ user_sessions: AuthSession[] }>('/auth/sessions')).user_sessions;
}

/** Logs those devices out: their tokens stop working and their gateway sessions close. */
export const logoutAuthSessions = (ids: string[]) => rest.post('/auth/sessions/logout', { session_id_hashes: ids });

function maybeRequestMembers(guildId: string) {
  const s = store.state;
  const g = s.guilds[guildId];
  if (!g || s.memberRequests[guildId]) return;
  const have = Object.keys(s.members[guildId] ?? {}).length;
  if (have >= g.member_count) return;
  store.update((st) => ({ memberRequests: { ...st.memberRequests, [guildId]: true } }));
  gateway?.requestGuildMembers(guildId);
}

// ---- member subscriptions (guilds above LARGE_THRESHOLD) ----

/**
 * At most one op 37 and one op 8 per this interval (80 payloads a minute): the gateway takes 120 a minute from a
 * client, and a scroll through a long list would otherwise send two every debounce (then be closed with 4008).
 */
const SUBSCRIBE_MIN_INTERVAL_MS = 1_500;
/** Per guild: whom the member list shows, and the subscription the server holds for this session. */
const wantedMembers = new Map<string, string[]>();
const sentMembers = new Map<string, string[]>();
/** Presences to ask for (op 8, up to 100 members each), one a flush. */
const presenceAsks: Array<{ guildId: string; ids: string[] }> = [];
let lastSubscribedAt = 0;
let subscribeTimer: ReturnType<typeof setTimeout> | null = null;

function flushLater(wait: number) {
  subscribeTimer ??= setTimeout(() => {
    subscribeTimer = null;
    flushMemberSubscriptions();
  }, wait);
}

/**
 * The members whose presences this tab shows in a large guild (`[]`: none), sent whole as op 37 when it changes
 * (the server replaces the guild's subscription with each one), and again after a fresh IDENTIFY.
 */
export function setMemberSubscription(guildId: string, userIds: string[]) {
  wantedMembers.set(guildId, fitSubscription(guildId, [...new Set(userIds)]));
  flushMemberSubscriptions();
}

/** The first ids one op 37 can carry: a payload is at most 4096 bytes (~170 ids). */
function fitSubscription(guildId: string, ids: string[]): string[] {
  let bytes = 64 + guildId.length; // {"op":37,"d":{"subscriptions":{"<guild id>":{"members":[]}}}}
  let n = 0;
  while (n < ids.length && (bytes += ids[n].length + 3) <= MAX_PAYLOAD_BYTES) n++;
  return ids.slice(0, n);
}

function flushMemberSubscriptions() {
  // Before READY (or while resuming) the server would drop it: sent once the session is ready.
  if (!gateway || gateway.state !== 'ready') return;
  const wait = lastSubscribedAt + SUBSCRIBE_MIN_INTERVAL_MS - Date.now();
  if (wait > 0) return flushLater(wait);
  let subscribed = false;
  let more = false;
  for (const [guildId, ids] of wantedMembers) {
    const guild = store.state.guilds[guildId];
    if (!guild || (ids.length === 0 && !sentMembers.has(guildId))) {
      // Left (the server dropped its subscription too), or nothing to end.
      wantedMembers.delete(guildId);
      sentMembers.delete(guildId);
      continue;
    }
    if (guild.unavailable) continue; // its GUILD_CREATE flushes again
    const sent = new Set(sentMembers.get(guildId));
    const added = ids.filter((id) => !sent.has(id));
    if (added.length === 0 && ids.length === sent.size) continue;
    if (subscribed) {
      more = true; // another guild's turn comes with the next flush
      break;
    }
    gateway.subscribeGuildMembers(guildId, ids);
    subscribed = true;
    // Subscribing sends no presences: ask for those of the newly shown members (theirs may be stale).
    for (let i = 0; i < added.length; i += 100) presenceAsks.push({ guildId, ids: added.slice(i, i + 100) });
    if (ids.length) sentMembers.set(guildId, ids);
    else {
      sentMembers.delete(guildId);
      wantedMembers.delete(guildId);
    }
  }
  const ask = presenceAsks.shift();
  if (ask) gateway.requestGuildMembers(ask.guildId, ask.ids);
  if (subscribed || ask) lastSubscribedAt = Date.now();
  if (more || presenceAsks.length) flushLater(SUBSCRIBE_MIN_INTERVAL_MS);
}

// ---- voice channel statuses (op 43) ----

/** Guilds whose statuses this session asked for: once each (VOICE_CHANNEL_STATUS_UPDATE keeps them current). */
const askedChannelInfo = new Set<string>();
/** The guild open in this tab, whose statuses are wanted. */
let channelInfoGuild: string | null = null;

/** The voice channel statuses of the guild now open, asked once per session (and again after its GUILD_CREATE). */
export function requestVoiceStatuses(guildId: string) {
  channelInfoGuild = guildId;
  flushChannelInfo();
}

function flushChannelInfo() {
  const guildId = channelInfoGuild;
  if (!guildId || !gateway || gateway.state !== 'ready' || askedChannelInfo.has(guildId)) return;
  const guild = store.state.guilds[guildId];
  if (!guild || guild.unavailable) return;
  // Marked only once sent: a closed socket asks again once ready.
  if (gateway.requestChannelInfo(guildId)) askedChannelInfo.add(guildId);
}

// ---- guilds, invites ----

/** `icon`: a data URI (image/png, jpeg, gif or webp), as Discord takes it. */
export async function createGuild(name: string, icon?: string | null): Promise<Guild> {
  const g = await rest.post<Guild>('/guilds', { name, ...(icon ? { icon } : {}) });
  return g;
}

export const fetchInvite = (code: string) => rest.get<Invite>(`/invites/${encodeURIComponent(code)}`, { with_counts: 'true' });

export async function acceptInvite(code: string): Promise<Invite> {
  return rest.post<Invite>(`/invites/${encodeURIComponent(code)}`, {});
}

/** Without `unique`: the dialog opened again shows the same link, as Discord's does (the server reuses a similar live invite). */
/** What an invite link is made with: Discord's dialog defaults are 7 days, no use limit, not temporary. */
export interface InviteSettings {
  /** Seconds; 0 never expires. */
  maxAge: number;
  /** 0 is no limit. */
  maxUses: number;
  /** Members who join through it are removed when they disconnect, unless given a role. */
  temporary: boolean;
  /** Roles given to whoever accepts it (needs Manage Roles; roles below our highest). */
  roleIds: string[];
  /** A CSV of user ids: only they may see and accept it (needs Manage Server). */
  targetUsers: File | null;
}
export const DEFAULT_INVITE_SETTINGS: InviteSettings = { maxAge: 86400 * 7, maxUses: 0, temporary: false, roleIds: [], targetUsers: null };

/**
 * A link with these settings; the server hands back a similar live invite of ours rather than a new one (never for
 * a list of users: each such link is new).
 */
export async function createInvite(channelId: string, settings: InviteSettings = DEFAULT_INVITE_SETTINGS): Promise<string> {
  const body = { max_age: settings.maxAge, max_uses: settings.maxUses, temporary: settings.temporary, ...(settings.roleIds.length > 0 ? { role_ids: settings.roleIds } : {}) };
  const inv = await rest.post<Invite>(`/channels/${channelId}/invites`, settings.targetUsers ? inviteCreateForm(body, settings.targetUsers) : body);
  return `${location.origin}/invite/${inv.code}`;
}

export const leaveGuild = (guildId: string) => rest.delete(`/users/@me/guilds/${guildId}`);
/** `icon`: a data URI to set, null to remove. GUILD_UPDATE brings the new hash to everyone, this tab included. */
export async function updateGuild(
  guildId: string, body: { name?: string; icon?: string | null; system_channel_id?: string | null; system_channel_flags?: number; default_message_notifications?: number },
) {
  const g = await rest.patch<Guild>(`/guilds/${guildId}`, body);
  applyDispatch('GUILD_UPDATE', g);
  return g;
}
export const createRole = (guildId: string, name: string) => rest.post<Role>(`/guilds/${guildId}/roles`, { name, permissions: '0' });
export const updateRole = (
  guildId: string, roleId: string,
  body: Partial<Pick<Role, 'name' | 'color' | 'hoist' | 'permissions' | 'mentionable' | 'unicode_emoji'>> & { colors?: { primary_color: number; secondary_color?: number | null; tertiary_color?: number | null } },
) =>
  rest.patch<Role>(`/guilds/${guildId}/roles/${roleId}`, body);
export const deleteRole = (guildId: string, roleId: string) => rest.delete(`/guilds/${guildId}/roles/${roleId}`);
export const createChannel = (guildId: string, body: { name: string; type: number; parent_id?: string | null }) =>
  rest.post<Channel>(`/guilds/${guildId}/channels`, body);
export const updateChannel = (channelId: string, body: { name?: string; topic?: string | null; parent_id?: string | null }) =>
  rest.patch<Channel>(`/channels/${channelId}`, body);
export const deleteChannel = (channelId: string) => rest.delete(`/channels/${channelId}`);
export const putOverwrite = (channelId: string, ow: Overwrite) =>
  rest.put(`/channels/${channelId}/permissions/${ow.id}`, { type: ow.type, allow: ow.allow, deny: ow.deny });
export const deleteOverwrite = (channelId: string, id: string) => rest.delete(`/channels/${channelId}/permissions/${id}`);
export const setMemberRoles = (guildId: string, userId: string, roles: string[]) => rest.patch(`/guilds/${guildId}/members/${userId}`, { roles });

// ---- private channels ----

export async function openDm(userId: string): Promise<Channel> {
  const ch = await rest.post<Channel>('/users/@me/channels', { recipient_id: userId });
  applyDispatch('CHANNEL_CREATE', ch);
  return ch;
}

export async function createGroupDm(userIds: string[]): Promise<Channel> {
  const ch = await rest.post<Channel>('/users/@me/channels', { recipients: userIds });
  applyDispatch('CHANNEL_CREATE', ch);
  return ch;
}

/** Any member of a group DM may rename it; an empty name falls back to the list of recipients. */
export const renameGroupDm = (channelId: string, name: string) => rest.patch<Channel>(`/channels/${channelId}`, { name: name.trim() || null });

/** Leaving a group DM is DELETE /channels/{id}; CHANNEL_DELETE follows on the gateway, applied here at once. */
export async function leaveGroupDm(channelId: string): Promise<void> {
  const ch = await rest.delete<Channel>(`/channels/${channelId}`);
  applyDispatch('CHANNEL_DELETE', ch ?? { id: channelId });
}

// ---- messages ----

function setChannelMessages(channelId: string, fn: (cm: ChannelMessages | undefined) => ChannelMessages) {
  store.update((s) => ({ messages: { ...s.messages, [channelId]: fn(s.messages[channelId]) } }));
}

const inflight = new Map<string, Promise<void>>();

/** Loads the newest page of a channel once; later changes arrive through the gateway. */
export function loadLatest(channelId: string): Promise<void> {
  if (store.state.messages[channelId]) return Promise.resolve();
  const key = `latest:${channelId}`;
  if (!inflight.has(key)) {
    const p = rest
      .get<Message[]>(`/channels/${channelId}/messages`, { limit: PAGE })
      .then((page) => setChannelMessages(channelId, (cm) => mergeMessages(cm ?? { list: [], hasMore: page.length >= PAGE, loadingOlder: false }, page)))
      // A failed catch-up keeps the page (the next new session re-reads it).
      .then(() => catchUpLoad(channelId).catch(() => undefined))
      .catch((err) => {
        setChannelMessages(channelId, () => ({ list: [], hasMore: false, loadingOlder: false }));
        throw err;
      })
      .finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return inflight.get(key)!;
}

/**
 * A MESSAGE_CREATE that arrives while a channel's first page is on its way is not kept (there is no list yet), and
 * the page may have been read before that message was written. The event still moved the channel's
 * last_message_id: when it is newer than the page's newest message, read what came after.
 */
async function catchUpLoad(channelId: string): Promise<void> {
  const last = store.state.channels[channelId]?.last_message_id;
  const newest = [...(store.state.messages[channelId]?.list ?? [])].reverse().find((m) => !m.pending);
  if (!last || (newest && compareIds(newest.id, last) >= 0)) return;
  const after = await rest.get<Message[]>(`/channels/${channelId}/messages`, { limit: PAGE, ...(newest ? { after: newest.id } : {}) });
  setChannelMessages(channelId, (cm) => mergeMessages(cm!, after));
}

export async function loadOlder(channelId: string): Promise<void> {
  const cm = store.state.messages[channelId];
  if (!cm || !cm.hasMore || cm.loadingOlder) return;
  const oldest = cm.list.find((m) => !m.pending);
  setChannelMessages(channelId, (c) => ({ ...c!, loadingOlder: true }));
  try {
    const page = await rest.get<Message[]>(`/channels/${channelId}/messages`, { limit: PAGE, before: oldest?.id });
    setChannelMessages(channelId, (c) => ({ ...mergeMessages(c!, page), hasMore: page.length >= PAGE, loadingOlder: false }));
  } catch {
    setChannelMessages(channelId, (c) => ({ ...c!, loadingOlder: false }));
  }
}

/**
 * After a new session (the old one could not be resumed) events may have been missed: re-read the newest page
 * of every channel we hold. If it does not reach back to what we had, the gap is unknown and the list restarts.
 */
async function refetchLoadedChannels() {
  for (const [channelId, cm] of Object.entries(store.state.messages)) {
    try {
      const page = await rest.get<Message[]>(`/channels/${channelId}/messages`, { limit: PAGE });
      const newestHeld = [...cm.list].reverse().find((m) => !m.pending);
      const oldestFetched = page[page.length - 1];
      const contiguous = !newestHeld || !oldestFetched || page.length < PAGE || compareIds(oldestFetched.id, newestHeld.id) <= 0;
      setChannelMessages(channelId, (c) => {
        const base = contiguous && c ? c : { list: (c?.list ?? []).filter((m) => m.pending), hasMore: page.length >= PAGE, loadingOlder: false };
        // Messages deleted while we were away: anything we hold inside the fetched window but not in it.
        const ids = new Set(page.map((m) => m.id));
        const floor = page.length >= PAGE ? oldestFetched?.id : undefined;
        const kept = base.list.filter((m) => m.pending || ids.has(m.id) || (floor !== undefined && compareIds(m.id, floor) < 0));
        return mergeMessages({ ...base, list: kept }, page);
      });
    } catch {
      /* channel gone or no access any more: leave it */
    }
  }
}

/** The gateway session's id (what an interaction names as `session_id`), or null while not connected. */
export const gatewaySessionId = (): string | null => gateway?.sessionId ?? null;

export function newNonce(): string {
  return ((BigInt(Date.now() - DISCORD_EPOCH) << 22n) | BigInt(Math.floor(Math.random() * 4_194_304))).toString();
}

export async function sendMessage(channelId: string, content: string, replyTo?: Message | null, nonce = newNonce()) {
  const me = store.state.me!;
  const pending: Message = {
    id: `pending-${nonce}`,
    channel_id: channelId,
    author: me,
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    nonce,
    type: replyTo ? 19 : 0,
    pending: 'sending',
    ...(replyTo ? { message_reference: { message_id: replyTo.id, channel_id: channelId }, referenced_message: replyTo } : {}),
  };
  setChannelMessages(channelId, (cm) => upsertMessage(cm ?? { list: [], hasMore: false, loadingOlder: false }, pending));
  lastTyping.delete(channelId);
  try {
    const msg = await rest.post<Message>(`/channels/${channelId}/messages`, {
      content,
      nonce,
      enforce_nonce: true,
      ...(replyTo ? { message_reference: { message_id: replyTo.id, fail_if_not_exists: false } } : {}),
    });
    applyDispatch('MESSAGE_CREATE', { ...msg, nonce: msg.nonce ?? nonce });
    offerPushPrompt();
  } catch (err) {
    // A message AutoMod blocked is gone, not failed: a retry would be blocked again (the composer gets its text back).
    const blocked = blockedText(err) !== null;
    setChannelMessages(channelId, (cm) => ({
      ...cm!,
      list: blocked ? cm!.list.filter((m) => m.id !== pending.id) : cm!.list.map((m) => (m.id === pending.id ? { ...m, pending: 'failed' as const } : m)),
    }));
    throw err;
  }
}

/** Resends a failed message with the same nonce: enforce_nonce makes a retry of a send that did land a no-op. */
export function retryMessage(msg: Message) {
  setChannelMessages(msg.channel_id, (cm) => ({ ...cm!, list: cm!.list.filter((m) => m.id !== msg.id) }));
  return sendMessage(msg.channel_id, msg.content, msg.referenced_message ?? null, String(msg.nonce));
}

export function discardMessage(msg: Message) {
  setChannelMessages(msg.channel_id, (cm) => ({ ...cm!, list: cm!.list.filter((m) => m.id !== msg.id) }));
}

/** `keepAttachments`: the ids of the attachments to keep (Discord drops those left out); omitted, all stay. */
export async function editMessage(msg: Message, content: string, keepAttachments?: string[]) {
  const body: { content: string; attachments?: Array<{ id: string }> } = { content };
  if (keepAttachments) body.attachments = keepAttachments.map((id) => ({ id }));
  const updated = await rest.patch<Message>(`/channels/${msg.channel_id}/messages/${msg.id}`, body);
  applyDispatch('MESSAGE_UPDATE', updated);
}

export async function deleteMessage(msg: Message) {
  await rest.delete(`/channels/${msg.channel_id}/messages/${msg.id}`);
  applyDispatch('MESSAGE_DELETE', { id: msg.id, channel_id: msg.channel_id });
}

export async function toggleReaction(msg: Message, emoji: string) {
  const me = store.state.me!;
  const existing = msg.reactions?.find((r) => !r.emoji.id && r.emoji.name === emoji);
  const adding = !existing?.me;
  const path = `/channels/${msg.channel_id}/messages/${msg.id}/reactions/${encodeURIComponent(emoji)}/@me`;
  const event = { user_id: me.id, channel_id: msg.channel_id, message_id: msg.id, emoji: { id: null, name: emoji } };
  applyDispatch(adding ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE', event);
  try {
    if (adding) await rest.put(path);
    else await rest.delete(path);
  } catch (err) {
    applyDispatch(adding ? 'MESSAGE_REACTION_REMOVE' : 'MESSAGE_REACTION_ADD', event);
    throw err;
  }
}

const lastTyping = new Map<string, number>();
export function sendTyping(channelId: string) {
  const now = Date.now();
  if (now - (lastTyping.get(channelId) ?? 0) < TYPING_THROTTLE_MS) return;
  lastTyping.set(channelId, now);
  rest.post(`/channels/${channelId}/typing`).catch(() => lastTyping.delete(channelId));
}

const acked = new Map<string, string>();
export function ack(channelId: string, messageId: string) {
  const prev = store.state.readStates[channelId];
  if (prev && compareIds(prev, messageId) >= 0) return;
  store.update((s) => ({ readStates: { ...s.readStates, [channelId]: messageId } }));
  if (acked.get(channelId) === messageId) return;
  acked.set(channelId, messageId);
  rest.post(`/channels/${channelId}/messages/${messageId}/ack`, { token: null }).catch(() => {});
}

/** A sentence for the user: Discord's own message where there is one, never a browser's "Failed to fetch". */
export function errorText(err: unknown, field?: string): string {
  if (err instanceof ApiError) {
    if (err.status === 429) {
      const seconds = Math.max(1, Math.ceil(err.retryAfter ?? 1));
      return `You're doing that too fast. Try again in ${seconds > 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`}.`;
    }
    if (err.status >= 500 && !err.errors) return `Something went wrong on the server (error ${err.status}). Try again in a moment.`;
    return err.fieldMessage(field);
  }
  // fetch() rejects with a TypeError ("Failed to fetch", "NetworkError…", "Load failed") when no answer came.
  if (err instanceof TypeError) return "Can't reach Accord right now. Check your connection and try again.";
  return err instanceof Error ? err.message : String(err);
}
