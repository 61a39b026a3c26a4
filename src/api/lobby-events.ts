/**
 * A lobby as its members see it, and the LOBBY_UPDATE that tells them it changed (routes/lobbies.ts; also sent when
 * deleting a channel or a guild unlinks lobbies, routes/channels.ts and routes/guilds.ts); and a linked channel's
 * messages brought into its lobby (messages/create.ts).
 */
import { lobbyJson, lobbyMessageJson } from '../shapes/lobby.ts';
import type { Snowflake } from '../protocol/snowflake.ts';
import type { ChannelRecord, LobbyRecord, Store, UserRecord } from '../store/types.ts';
import type { RouteContext } from './route.ts';

/**
 * The lobby object. Its `linked_channel` reaches every member, in the guild or not, so it carries only what names
 * the channel (id, type, guild_id, name), never its overwrites, topic or activity.
 */
export async function renderLobby(store: Store, lobby: LobbyRecord): Promise<Record<string, unknown>> {
  const members = await store.lobbies.members(lobby.id);
  const channel = lobby.linkedChannelId ? await store.channels.get(lobby.linkedChannelId) : null;
  const linked = channel?.guildId ? { id: channel.id, type: channel.type, guild_id: channel.guildId, name: channel.name } : null;
  return lobbyJson(lobby, members, linked);
}

export const lobbyMemberIds = (json: Record<string, unknown>): Snowflake[] => (json.members as Array<{ id: string }>).map((m) => m.id);

/** LOBBY_UPDATE with the lobby as it now is, to its members (but `except`); the rendered lobby comes back. */
export async function announceLobbyUpdate(ctx: RouteContext, lobby: LobbyRecord, opts: { except?: readonly Snowflake[] } = {}): Promise<Record<string, unknown>> {
  const json = await renderLobby(ctx.deps.store, lobby);
  ctx.dispatch.users(lobbyMemberIds(json).filter((id) => !opts.except?.includes(id)), 'LOBBY_UPDATE', json);
  return json;
}

/** After a delete unlinked them (the channel's or the guild's): each lobby's members hear it has no linked channel. */
export async function announceUnlinked(ctx: RouteContext, lobbies: readonly LobbyRecord[]): Promise<void> {
  for (const lobby of lobbies) {
    try {
      const now = await ctx.deps.store.lobbies.get(lobby.id);
      if (now) await announceLobbyUpdate(ctx, now);
    } catch (err) {
      ctx.deps.log.warn({ err, lobbyId: lobby.id }, 'LOBBY_UPDATE after an unlink not sent');
    }
  }
}

/**
 * A message sent in a channel linked to a lobby, brought into the lobby: stored as a lobby message by its author
 * (a member of the guild, not necessarily of the lobby) and sent to the lobby's members as LOBBY_MESSAGE_CREATE.
 * Only its text travels; a message with none is not brought. The lobby's own messages reach the channel another
 * way (routes/lobbies.ts) and never come back. Never throws: the channel message stands whatever happens here.
 */
export async function relayToLinkedLobby(ctx: RouteContext, channel: ChannelRecord, author: UserRecord, content: string): Promise<void> {
  if (!content) return;
  const { store } = ctx.deps;
  try {
    for (const lobby of await store.lobbies.listLinkedTo([channel.id])) {
      const message = { id: ctx.deps.ids.next(), lobbyId: lobby.id, authorId: author.id, content, flags: 0, additionalName: null, moderationMetadata: null };
      await store.lobbies.addMessage(message);
      const members = await store.lobbies.members(lobby.id);
      ctx.dispatch.users(members.map((m) => m.userId), 'LOBBY_MESSAGE_CREATE', lobbyMessageJson(message, author, lobby.applicationId));
    }
  } catch (err) {
    ctx.deps.log.warn({ err, channelId: channel.id }, 'channel message not brought into its linked lobby');
  }
}
