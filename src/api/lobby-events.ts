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
 * A linked channel's messages in its lobby. A message sent in the channel is stored as a lobby message with the
 * channel message's id, by its author (a member of the guild, not necessarily of the lobby), and sent to the lobby's
 * members as LOBBY_MESSAGE_CREATE; an edit follows as LOBBY_MESSAGE_UPDATE, a delete as LOBBY_MESSAGE_DELETE
 * `{id, lobby_id}`. Only the text travels: a message with none is not brought. As Discord documents, a player reads
 * the linked channel whatever their permissions there; decided: not a player banned from the guild, and nothing of
 * a channel that became age-restricted after it was linked. The lobby's own messages reach the channel another way
 * (routes/lobbies.ts) and never come back. None of these throws: the channel message stands whatever happens here.
 */
export async function relayToLinkedLobby(ctx: RouteContext, channel: ChannelRecord, author: UserRecord, messageId: Snowflake, content: string): Promise<void> {
  if (!content || channel.nsfw) return;
  await eachLinkedLobby(ctx, channel, 'channel message not brought into its linked lobby', async (lobby) => {
    const message = { id: messageId, lobbyId: lobby.id, authorId: author.id, content, flags: 0, additionalName: null, moderationMetadata: null, sourceChannelId: channel.id };
    await ctx.deps.store.lobbies.addMessage(message);
    ctx.dispatch.users(await readers(ctx, lobby, channel), 'LOBBY_MESSAGE_CREATE', lobbyMessageJson(message, author, lobby.applicationId));
  });
}

/** The edit of a message brought into a lobby (relayToLinkedLobby). */
export async function relayEditToLinkedLobby(ctx: RouteContext, channel: ChannelRecord, author: UserRecord, messageId: Snowflake, content: string): Promise<void> {
  await eachLinkedLobby(ctx, channel, 'channel message edit not brought into its linked lobby', async (lobby) => {
    const edited = await ctx.deps.store.lobbies.editMessage(lobby.id, messageId, content);
    if (edited) ctx.dispatch.users(await readers(ctx, lobby, channel), 'LOBBY_MESSAGE_UPDATE', lobbyMessageJson(edited, author, lobby.applicationId));
  });
}

/** The deletion of messages brought into a lobby (relayToLinkedLobby): to every member, banned or not. */
export async function relayDeleteToLinkedLobby(ctx: RouteContext, channel: ChannelRecord, messageIds: readonly Snowflake[]): Promise<void> {
  if (!messageIds.length) return;
  await eachLinkedLobby(ctx, channel, 'channel message deletion not brought into its linked lobby', async (lobby) => {
    const gone = await ctx.deps.store.lobbies.deleteMessages(lobby.id, messageIds);
    if (!gone.length) return;
    const members = (await ctx.deps.store.lobbies.members(lobby.id)).map((m) => m.userId);
    for (const id of gone) ctx.dispatch.users(members, 'LOBBY_MESSAGE_DELETE', { id, lobby_id: lobby.id });
  });
}

/**
 * Runs `bring` for each lobby linked to `channel`; a failure is logged as `failed`, never thrown. A channel no lobby
 * links to (ctx.linkedChannels) costs a set lookup: every message write in every channel comes through here.
 */
async function eachLinkedLobby(ctx: RouteContext, channel: ChannelRecord, failed: string, bring: (lobby: LobbyRecord) => Promise<void>): Promise<void> {
  if (!ctx.linkedChannels.has(channel.id)) return;
  try {
    for (const lobby of await ctx.deps.store.lobbies.listLinkedTo([channel.id])) await bring(lobby);
  } catch (err) {
    ctx.deps.log.warn({ err, channelId: channel.id }, failed);
  }
}

/** The lobby's members who may read its linked channel's messages: all but those banned from its guild. */
async function readers(ctx: RouteContext, lobby: LobbyRecord, channel: ChannelRecord): Promise<Snowflake[]> {
  const members = (await ctx.deps.store.lobbies.members(lobby.id)).map((m) => m.userId);
  const banned = new Set(channel.guildId ? await ctx.deps.store.bans.bannedAmong(channel.guildId, members) : []);
  return members.filter((id) => !banned.has(id));
}
