/**
 * PATCH /channels/{id}/messages/{mid}: the author edits content, embeds, mentions, components (components.ts) and
 * files (keeping, removing and adding attachments: attachments.ts); a moderator with MANAGE_MESSAGES may only toggle SUPPRESS_EMBEDS on
 * someone else's message.
 */
import { relayEditToLinkedLobby } from '../lobby-events.ts';
import { usableEmojiContent } from './emoji-rules.ts';
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { Permissions, hasPermission } from '../../protocol/permissions.ts';
import { unfurlUrls } from '../../protocol/message-urls.ts';
import type { MessageRecord, UserRecord } from '../../store/types.ts';
import { channelAccess, requirePermission } from '../access.ts';
import { messageAccess } from '../channels/common.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { attachmentsForEdit, attachmentsSchema, keepShownFiles, renderMedia } from './attachments.ts';
import { readMessageBody, type UploadedFile } from './uploads.ts';
import { parse, z } from '../validate.ts';
import { MessageFlags } from './create.ts';
import { checkEmbedTotal, embedsSchema } from './embeds.ts';
import { allowedMentionsSchema, checkAllowedMentions, parseMentions } from './mentions.ts';
import { eventPayload, renderMessage, type MessageJson } from '../../shapes/message.ts';
import { IS_VOICE_MESSAGE } from './voice.ts';
import { checkComponentFiles, checkMessageComponents, checkNoLegacyFields, IS_COMPONENTS_V2, ownFileReferences } from './components-v2.ts';
import { componentsText } from '../../shapes/components-media.ts';
import { blockedError, blocks, executeActions, messageViolations, type Violation } from '../auto-moderation/enforce.ts';

const EDITABLE_TYPES = new Set([0, 19, 20, 23]);

export const editSchema = z.object({
  content: z.string().max(2000).nullish(),
  embeds: embedsSchema.nullish(),
  // Replaces the action rows (components.ts); null or [] removes them.
  // Checked once the flags are known: legacy rows (components.ts) or Components V2 (components-v2.ts).
  components: z.unknown().optional(),
  flags: z.number().int().min(0).nullish(),
  allowed_mentions: allowedMentionsSchema.nullish(),
  attachments: attachmentsSchema.nullish(),
});

export async function editMessage(ctx: RouteContext, user: UserRecord, channelId: string, messageId: string, req: RouteRequest): Promise<MessageJson> {
  const { store } = ctx.deps;
  const { access, message } = await messageAccess(store, channelId, messageId, user.id, ctx.deps.now());
  const isAuthor = message.authorId === user.id;
  const fileRefusal = !isAuthor
    ? new ApiError(ErrorCodes.CANNOT_EDIT_OTHERS_MESSAGE)
    : hasPermission(access.permissions, Permissions.ATTACH_FILES) ? null : new ApiError(ErrorCodes.MISSING_PERMISSIONS);
  const { body: rawBody, uploads } = await readMessageBody(ctx.deps, req, { channelId: message.channelId, fileRefusal });
  try {
    // A message is not edited into or out of a poll (Discord's 520003).
    if (rawBody && typeof rawBody === 'object' && (rawBody as { poll?: unknown }).poll != null) throw new ApiError(ErrorCodes.CANNOT_EDIT_POLL);
    const { json, patch } = await applyEdit(ctx, user.id, access, message, parse(editSchema, rawBody), uploads.files, { interactiveComponents: user.bot }, isAuthor ? user : undefined);
    // A message brought into a linked lobby is edited there too (only its author changes its content).
    if (patch.content !== undefined) await relayEditToLinkedLobby(ctx, access.channel, user, message.id, patch.content);
    // Files the edit added are the message's now; uploads it did not list go in `finally`.
    uploads.claim((patch.attachments ?? []).map((a) => a.id));
    return json;
  } finally {
    await uploads.release();
  }
}

export type EditBody = z.infer<typeof editSchema>;
type MessagePatch = Parameters<RouteContext['deps']['store']['messages']['update']>[2];

/** Who may put which components on the message (components.ts): interactive ones are for applications. */
export interface EditComponentRule {
  /** The editor is a bot or an application-owned webhook: custom_id buttons and selects are kept. */
  interactiveComponents?: boolean;
  /** `components` is not respected at all (a webhook no application owns, without `with_components`). */
  ignoreComponents?: boolean;
}

/**
 * Applies a validated edit by `editorId` (a user, or a webhook editing its own message: api/webhooks/messages.ts)
 * with `access`, the editor's standing in the channel. `moderated`: the user editing their own message, whose new
 * content auto moderation checks as it checks a send (auto-moderation/enforce.ts); webhooks are not checked.
 */
export async function applyEdit(
  ctx: RouteContext, editorId: string, access: Awaited<ReturnType<typeof messageAccess>>['access'], message: MessageRecord, body: EditBody, files: UploadedFile[],
  componentRule: EditComponentRule = {}, moderated?: UserRecord,
): Promise<{ json: MessageJson; patch: MessagePatch }> {
  const { store } = ctx.deps;
  const isAuthor = message.authorId === editorId;
  const touchesFiles = (body.attachments !== undefined && body.attachments !== null) || files.length > 0;
  const touchesContent = body.content !== undefined || body.embeds !== undefined || body.allowed_mentions !== undefined || touchesFiles;
  const touchesComponents = body.components !== undefined && !componentRule.ignoreComponents;
  // Only default messages, replies and an application's interaction replies (CHAT_INPUT_COMMAND 20,
  // CONTEXT_MENU_COMMAND 23: discord.js's message.edit() on them works on Discord) have content their author wrote;
  // system messages (pins, renames, joins) do not.
  if ((touchesContent || touchesComponents) && !EDITABLE_TYPES.has(message.type)) throw new ApiError(ErrorCodes.SYSTEM_MESSAGE);

  if (!isAuthor) {
    if (touchesContent || touchesComponents || body.flags === undefined) throw new ApiError(ErrorCodes.CANNOT_EDIT_OTHERS_MESSAGE);
    requirePermission(access, Permissions.MANAGE_MESSAGES);
  }
  if ((touchesContent || touchesComponents) && (message.flags & IS_VOICE_MESSAGE) !== 0) throw new ApiError(ErrorCodes.VOICE_MESSAGE_EDIT);

  // IS_COMPONENTS_V2 can be set by an edit, never lifted; the message must then hold nothing but components.
  const becomesV2 = isAuthor && (message.flags & IS_COMPONENTS_V2) === 0 && body.flags != null && (body.flags & IS_COMPONENTS_V2) !== 0;
  const v2 = becomesV2 || (message.flags & IS_COMPONENTS_V2) !== 0;
  if (v2) {
    checkNoLegacyFields({
      content: body.content === undefined ? message.content : body.content, embeds: body.embeds === undefined ? message.embeds : body.embeds,
      sticker_ids: message.stickerItems, poll: message.poll,
    });
  }
  const patch: MessagePatch = {};
  let violations: Violation[] = [];
  if (touchesComponents) {
    const allowInteractive = componentRule.interactiveComponents === true;
    patch.components = checkMessageComponents(body.components, { layout: v2, allowInteractive });
    if (v2) ownFileReferences(patch.components, message.attachments);
    patch.editedAt = ctx.deps.now();
  }
  const components = patch.components ?? message.components;
  if (body.flags !== undefined && body.flags !== null) {
    patch.flags = (message.flags & ~MessageFlags.SUPPRESS_EMBEDS) | (body.flags & MessageFlags.SUPPRESS_EMBEDS) | (becomesV2 ? IS_COMPONENTS_V2 : 0);
  }
  const wasSuppressed = (message.flags & MessageFlags.SUPPRESS_EMBEDS) !== 0;
  const suppressed = ((patch.flags ?? message.flags) & MessageFlags.SUPPRESS_EMBEDS) !== 0;
  // A V2 message's mentions come from its text displays, so new components read them again.
  if (touchesContent || (v2 && touchesComponents)) {
    // A user's new content: custom emoji they may not use become `:name:` (emoji-rules.ts); webhooks are not checked.
    const content = body.content === undefined ? message.content
      : message.webhookId ? (body.content ?? '') : await usableEmojiContent(store, editorId, body.content ?? '', access.channel.guildId, access.permissions);
    // The author's embeds (kept, or the new ones), then the link embeds of links the content still has (the
    // embed role unfurls the new ones).
    const links = unfurlUrls(content);
    const authored = body.embeds === undefined ? message.embeds.filter((e) => (e as { type?: unknown }).type === 'rich') : (body.embeds ?? []);
    const linked = message.embeds.filter((e) => (e as { type?: unknown }).type !== 'rich' && links.includes(String((e as { url?: unknown }).url)));
    const embeds = [...authored, ...linked];
    const edited = touchesFiles ? attachmentsForEdit(message.attachments, body.attachments, files) : undefined;
    const attachments = edited && keepShownFiles(message.attachments, edited, { embeds, components, layout: v2 });
    // Stickers stay with the message (they cannot be edited): a message with some needs nothing else.
    if (content.trim() === '' && embeds.length === 0 && (attachments ?? message.attachments).length === 0 && components.length === 0 && !message.stickerItems?.length) throw new ApiError(ErrorCodes.EMPTY_MESSAGE);
    checkEmbedTotal(embeds as Record<string, unknown>[]);
    if (moderated && body.content != null && content) {
      violations = await messageViolations(ctx, access, content);
      if (blocks(violations)) {
        await executeActions(ctx, violations, { user: moderated, channel: access.channel, content, messageId: null, blocked: true });
        throw blockedError(violations);
      }
    }
    const allowed = body.allowed_mentions ?? undefined;
    checkAllowedMentions(allowed);
    const mentions = await parseMentions(store, {
      content: v2 ? componentsText(components) : content,
      allowed,
      permissions: access.permissions,
      guildId: message.guildId,
      roles: access.guild?.roles ?? [],
      repliedUserId: await keptReplyMention(ctx, message),
    });
    Object.assign(patch, {
      content,
      embeds,
      mentions: mentions.users,
      mentionRoles: mentions.roles,
      mentionEveryone: mentions.everyone,
      editedAt: ctx.deps.now(),
    });
    if (attachments) patch.attachments = attachments;
    if (v2) checkComponentFiles(components, attachments ?? message.attachments);
  } else if (touchesComponents && components.length === 0 && message.content.trim() === '' && message.embeds.length === 0 && message.attachments.length === 0) {
    throw new ApiError(ErrorCodes.EMPTY_MESSAGE);
  }

  // Suppressing embeds removes them all, as Discord does; lifting it (or a new content) unfurls the links again.
  if (suppressed && !wasSuppressed) patch.embeds = [];
  const unfurl = !suppressed && (touchesContent || wasSuppressed) && (await authorMayEmbed(ctx, message, isAuthor ? access.permissions : null));

  // Rendered before the write, so the MESSAGE_UPDATE is stored in the edit's own transaction (messages/write.ts).
  const next: MessageRecord = { ...message, ...patch };
  const json = await renderMessage(store, next, { viewerId: editorId, media: renderMedia(ctx.deps) });
  // Uploads the edit adds come off the pending-upload ledger in its transaction (files it keeps are not on it).
  const added = new Set(patch.attachments?.map((a) => a.id));
  const uploadKeys = files.filter((f) => added.has(f.id)).map((f) => f.key);
  await ctx.writes.update(access.channel, message, patch, await eventPayload(store, next, json, { update: true }), { unfurl, uploadKeys });
  if (moderated && violations.length) await executeActions(ctx, violations, { user: moderated, channel: access.channel, content: next.content, messageId: message.id, blocked: false });
  return { json, patch };
}

/** Whether the message's author has EMBED_LINKS where it is (`known`: the editor is the author). */
async function authorMayEmbed(ctx: RouteContext, message: MessageRecord, known: bigint | null): Promise<boolean> {
  if (known !== null) return hasPermission(known, Permissions.EMBED_LINKS);
  const access = await channelAccess(ctx.deps.store, message.channelId, message.authorId, ctx.deps.now()).catch(() => null);
  return access !== null && hasPermission(access.permissions, Permissions.EMBED_LINKS);
}

/** An edit keeps the reply's ping when the original send pinged the replied-to author. */
async function keptReplyMention(ctx: RouteContext, message: MessageRecord): Promise<string | null> {
  const ref = message.messageReference;
  if (message.type !== 19 || !ref?.messageId) return null;
  const target = await ctx.deps.store.messages.get(ref.channelId ?? message.channelId, ref.messageId);
  return target && message.mentions.includes(target.authorId) ? target.authorId : null;
}
