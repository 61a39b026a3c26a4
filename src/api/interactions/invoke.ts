/**
 * POST /interactions: a user's client invokes an application (JSON, or multipart with `payload_json`, as Discord's
 * client sends it). Checked as Discord checks it, then delivered to the application's bot as INTERACTION_CREATE
 * on the gateway (only its bot user's sessions; no intent needed) and answered 204:
 *
 * - APPLICATION_COMMAND (2) and its AUTOCOMPLETE (4): the command by id, of the invoked guild or global (10063),
 *   of that version and name (50035 when the client's copy is outdated), an installation that covers it here
 *   (its bot in the guild or the bot's DM, or a user install: installation.ts), the command's contexts, the
 *   caller's right to use it (command-access.ts), and its options (options.ts) with `resolved`, ATTACHMENT
 *   options with the files sent beside `payload_json` (attachments.ts); USER and MESSAGE commands name their
 *   `target_id`.
 * - MESSAGE_COMPONENT (3): the message in the channel, sent by that application, holding a component with that
 *   custom_id (10008 / 50035 otherwise); a select menu's values checked against it, with `resolved` for user,
 *   role, mentionable and channel selects (select-values.ts).
 * - MODAL_SUBMIT (5): the custom_id of a modal the application showed this user (registry.ts), submitted once.
 *
 * An application with an `interactions_endpoint_url` gets the same payload POSTed there instead (http-delivery.ts).
 *
 * The interaction's token is in the payload only; the application answers with it (respond.ts, followups.ts).
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { computeChannelPermissions, GuildMfaLevel, Permissions } from '../../protocol/permissions.ts';
import type { ApplicationCommandRecord, ApplicationRecord, MemberRecord, UserRecord } from '../../store/types.ts';
import { renderMessage } from '../../shapes/message.ts';
import { channelJson, memberJson, publicUser } from '../../shapes/serialize.ts';
import { accountHasMfa, channelAccess, permissionContext, type ChannelAccess } from '../access.ts';
import { renderMedia } from '../messages/attachments.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';
import { requireCommandAccess } from './command-access.ts';
import { deliverOverHttp } from './http-delivery.ts';
import { checkOptions, resolveOptions, type GivenOption, type Resolved } from './options.ts';
import { InteractionRegistry, InteractionType, interactionsOf, type LiveInteraction } from './registry.ts';
import { readMessageBody, type Uploads } from '../messages/uploads.ts';
import { authorizingOwners, Context, installationsFor, IntegrationType } from './installation.ts';
import { resolveAttachmentOptions } from './attachments.ts';
import { checkSelectValues, isSelectType } from './select-values.ts';

const invokeBody = z.object({
  type: z.number().int(),
  application_id: snowflake,
  guild_id: snowflake.nullish(),
  channel_id: snowflake,
  session_id: z.string().max(128).nullish(),
  data: z.looseObject({}),
  nonce: z.union([z.string().max(25), z.number().int()]).nullish(),
  message_id: snowflake.nullish(),
  message_flags: z.number().int().nullish(),
});

const commandData = z.looseObject({
  id: snowflake,
  name: z.string().max(32),
  type: z.number().int().optional(),
  version: snowflake.optional(),
  guild_id: snowflake.optional(),
  target_id: snowflake.optional(),
  options: z.array(z.looseObject({ type: z.number().int(), name: z.string().max(32) })).max(25).optional(),
});

const componentData = z.looseObject({
  custom_id: z.string().min(1).max(100),
  component_type: z.number().int(),
  values: z.array(z.string().max(100)).max(25).optional(),
});

const modalData = z.looseObject({
  custom_id: z.string().min(1).max(100),
  components: z.array(z.looseObject({ type: z.number().int() })).max(5),
});

/** `authorizing_integration_owners` of a message's interaction_metadata, when it has one. */
function ownersOf(metadata: unknown): Record<string, string> | null {
  const owners = (metadata as { authorizing_integration_owners?: unknown } | undefined)?.authorizing_integration_owners;
  return owners && typeof owners === 'object' && Object.keys(owners).length ? (owners as Record<string, string>) : null;
}

/** Components a user interacts with (select menus and buttons), found anywhere in a message's component tree. */
function findComponent(components: readonly unknown[], customId: string): Record<string, unknown> | null {
  for (const c of components) {
    if (!c || typeof c !== 'object') continue;
    const o = c as Record<string, unknown>;
    if (o.custom_id === customId) return o;
    for (const key of ['components', 'accessory']) {
      const inner = o[key];
      const found = Array.isArray(inner) ? findComponent(inner, customId) : inner && typeof inner === 'object' ? findComponent([inner], customId) : null;
      if (found) return found;
    }
  }
  return null;
}

export async function invokeInteraction(ctx: RouteContext, req: RouteRequest): Promise<void> {
  // Files of ATTACHMENT options, stored under the invoker's id (attachments.ts); those no option names go at the end.
  const { body: raw, uploads } = await readMessageBody(ctx.deps, req, { channelId: req.user.id, fileRefusal: null });
  try {
    await invokeWithBody(ctx, req, raw, uploads);
  } finally {
    await uploads.release();
  }
}

async function invokeWithBody(ctx: RouteContext, req: RouteRequest, raw: unknown, uploads: Uploads): Promise<void> {
  const { store } = ctx.deps;
  const now = ctx.deps.now();
  const user: UserRecord = req.user;
  let keepFiles: string[] = [];
  const body = parse(invokeBody, raw);
  const registry = interactionsOf(ctx);

  const app = await store.applications.get(body.application_id);
  if (!app) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION);
  const access = await channelAccess(store, body.channel_id, user.id, now);
  const channel = access.channel;
  if (body.guild_id && body.guild_id !== channel.guildId) throw new ApiError(ErrorCodes.UNKNOWN_CHANNEL);
  // Where the application may answer: its bot's guild or DM (guild install), or anywhere for a user install.
  const installations = await installationsFor(store, app, user.id, channel);
  const context = installations.context;
  let owners: Record<string, string> | null = null;

  let data: Record<string, unknown>;
  let commandType: number | null = null;
  let messageId: string | null = null;
  let message: Record<string, unknown> | undefined;
  let triggering: Record<string, unknown> | null = null;

  if (body.type === InteractionType.APPLICATION_COMMAND || body.type === InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE) {
    const d = parse(commandData, body.data);
    const command = await findCommand(ctx, app, channel.guildId, d.id);
    if (d.version !== undefined && d.version !== command.version) throw fieldError(['data', 'version'], 'INTERACTION_APPLICATION_COMMAND_INVALID_VERSION', 'This command is outdated, please try again in a few minutes');
    if (d.name !== command.name || (d.type !== undefined && d.type !== command.type)) throw fieldError(['data', 'name'], 'INTERACTION_APPLICATION_COMMAND_INVALID', 'Invalid application command');
    if (command.guildId === null && command.contexts && !command.contexts.includes(context)) throw new ApiError(ErrorCodes.MISSING_ACCESS);
    owners = authorizingOwners(installations, command.guildId === null ? (command.integrationTypes ?? [IntegrationType.GUILD_INSTALL]) : [IntegrationType.GUILD_INSTALL], channel.guildId, user.id);
    if (body.type === InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE && command.type !== 1) throw fieldError(['type'], 'BASE_TYPE_CHOICES', 'Autocomplete is for chat input commands');
    await requireCommandAccess(store, command, access, user.id);
    commandType = command.type;
    let resolved: Resolved = {};
    let given = (d.options ?? []) as GivenOption[];
    if (command.type === 1) {
      const wanted = checkOptions(command.options as Parameters<typeof checkOptions>[0], given, { autocomplete: body.type === InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE });
      resolved = await resolveOptions(store, access, wanted, now);
      if (body.type === InteractionType.APPLICATION_COMMAND) {
        const files = resolveAttachmentOptions(given, d.attachments, uploads, user.id, renderMedia(ctx.deps));
        given = files.options;
        keepFiles = files.keep;
        if (files.keep.length) resolved.attachments = files.attachments;
      }
    } else {
      if (!d.target_id) throw fieldError(['data', 'target_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
      if (command.type === 2) {
        resolved = await resolveOptions(store, access, { users: new Set([d.target_id]), roles: new Set(), channels: new Set(), mentionables: new Set() }, now);
      } else {
        const target = await store.messages.get(channel.id, d.target_id);
        if (!target) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
        const json = await renderMessage(store, target, { viewerId: null, media: renderMedia(ctx.deps) });
        resolved = { messages: { [target.id]: await registry.decorate(json) } };
      }
    }
    data = {
      id: command.id, name: command.name, type: command.type,
      ...(command.guildId ? { guild_id: command.guildId } : {}),
      ...(given.length ? { options: given } : {}),
      ...(Object.keys(resolved).length ? { resolved } : {}),
      ...(d.target_id && command.type !== 1 ? { target_id: d.target_id } : {}),
    };
  } else if (body.type === InteractionType.MESSAGE_COMPONENT) {
    const d = parse(componentData, body.data);
    if (!body.message_id) throw fieldError(['message_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
    // The message: one of the channel's, or an ephemeral one the application showed this user.
    const target = await store.messages.get(channel.id, body.message_id);
    const held = target ? null : await registry.ephemeral({ id: '0', applicationId: app.id, userId: user.id, channelId: channel.id }, body.message_id);
    if (!target && !held) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
    if (target && target.applicationId !== app.id && target.authorId !== app.botUserId) throw new ApiError(ErrorCodes.UNKNOWN_MESSAGE);
    const component = findComponent(target ? target.components : ((held!.json.components as unknown[] | undefined) ?? []), d.custom_id);
    if (!component || component.type !== d.component_type || component.disabled === true) throw fieldError(['data', 'custom_id'], 'COMPONENT_INVALID', 'Unknown component');
    // Only select menus (3, 5–8) carry values, checked against the select; auto-populated ones resolve theirs.
    const isSelect = isSelectType(d.component_type);
    const values = d.values ?? [];
    const chosen = isSelect ? await checkSelectValues(store, access, component, values, now) : null;
    data = {
      custom_id: d.custom_id, component_type: d.component_type,
      ...(isSelect ? { values } : {}),
      ...(chosen ? { resolved: chosen } : {}),
    };
    messageId = body.message_id;
    message = target ? await registry.decorate(await renderMessage(store, target, { viewerId: null, media: renderMedia(ctx.deps) })) : held!.json;
    // A component is authorized by the installations of the interaction that made its message (Discord's rule).
    owners = ownersOf(message?.interaction_metadata);
  } else if (body.type === InteractionType.MODAL_SUBMIT) {
    const d = parse(modalData, body.data);
    const shown = await registry.takeModal(user.id, app.id, d.custom_id);
    if (!shown || shown.channelId !== channel.id) throw fieldError(['data', 'custom_id'], 'MODAL_INVALID', 'Unknown modal');
    data = { custom_id: d.custom_id, components: d.components };
    messageId = shown.messageId;
    triggering = metadataOf(shown, user);
    owners = shown.owners ?? null;
    if (messageId) {
      const target = await store.messages.get(channel.id, messageId);
      if (target) message = await registry.decorate(await renderMessage(store, target, { viewerId: null, media: renderMedia(ctx.deps) }));
      else message = (await registry.ephemeral(shown, messageId))?.json;
    }
  } else {
    throw fieldError(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {2, 3, 4, 5}.');
  }

  // Without a known origin (a message of no interaction): the installations that apply here.
  owners ??= authorizingOwners(installations, [IntegrationType.GUILD_INSTALL, IntegrationType.USER_INSTALL], channel.guildId, user.id);

  const token = InteractionRegistry.newToken();
  const interaction: LiveInteraction = {
    id: ctx.deps.ids.next(), type: body.type, applicationId: app.id, botUserId: app.botUserId, userId: user.id, channelId: channel.id,
    guildId: channel.guildId, data, commandType, messageId, triggering, createdAt: now, state: 'pending',
    nonce: body.nonce === undefined || body.nonce === null ? null : String(body.nonce), responseType: null, originalId: null,
    owners, context,
  };
  const nonce = interaction.nonce === null ? {} : { nonce: interaction.nonce };
  const payload = await interactionPayload(ctx, interaction, token, app, user, access, req, message);
  const onFail = () => ctx.dispatch.users([user.id], 'INTERACTION_FAILURE', { id: interaction.id, ...nonce });
  await registry.add(interaction, token, onFail);
  // The interaction's files stay for the application to fetch (until the upload sweep: attachments.ts).
  uploads.claim(keepFiles);
  // An application with an interactions endpoint gets it there, over HTTP, in the background (http-delivery.ts).
  if (app.interactionsEndpointUrl) deliverOverHttp(ctx, { ...app, interactionsEndpointUrl: app.interactionsEndpointUrl }, interaction, payload, onFail);
  else ctx.dispatch.users([app.botUserId], 'INTERACTION_CREATE', payload);
  // The invoking user's client learns the interaction's id (Discord's user gateway sends it the same way).
  ctx.dispatch.users([user.id], 'INTERACTION_CREATE', { id: interaction.id, ...nonce });
}

/** A member with no role of its own: what @everyone's permissions are computed for. */
function outsider(guildId: string, userId: string): MemberRecord {
  return { guildId, userId, nick: null, avatar: null, roles: [], joinedAt: 0, deaf: false, mute: false, pending: false, communicationDisabledUntil: null, flags: 0 };
}

async function findCommand(ctx: RouteContext, app: ApplicationRecord, guildId: string | null, id: string): Promise<ApplicationCommandRecord> {
  const { store } = ctx.deps;
  const command = (guildId ? await store.applicationCommands.get(app.id, guildId, id) : null) ?? (await store.applicationCommands.get(app.id, null, id));
  if (!command) throw new ApiError(ErrorCodes.UNKNOWN_APPLICATION_COMMAND);
  return command;
}

/** `interaction_metadata` of what `i` creates (messages of its responses and follow-ups). */
export function metadataOf(i: LiveInteraction, user: UserRecord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const data = i.data as { name?: string; type?: number; target_id?: string; resolved?: { users?: Record<string, unknown> } };
  return {
    id: i.id,
    type: i.type,
    user: publicUser(user),
    authorizing_integration_owners: i.owners ?? (i.guildId ? { '0': i.guildId } : { '1': user.id }),
    ...(i.type === InteractionType.APPLICATION_COMMAND ? { name: data.name } : {}),
    ...(i.commandType === 2 && data.target_id ? { target_user: data.resolved?.users?.[data.target_id] } : {}),
    ...(i.commandType === 3 && data.target_id ? { target_message_id: data.target_id } : {}),
    ...(i.type === InteractionType.MESSAGE_COMPONENT && i.messageId ? { interacted_message_id: i.messageId } : {}),
    ...(i.type === InteractionType.MODAL_SUBMIT && i.triggering ? { triggering_interaction_metadata: i.triggering } : {}),
    ...extra,
  };
}

/** The INTERACTION_CREATE payload, as Discord delivers it to a bot. */
async function interactionPayload(
  ctx: RouteContext, i: LiveInteraction, token: string, app: ApplicationRecord, user: UserRecord, access: ChannelAccess, req: RouteRequest, message: Record<string, unknown> | undefined,
): Promise<Record<string, unknown>> {
  const { store } = ctx.deps;
  const channel = access.channel;
  const guild = access.guild;
  let appPermissions = 0n;
  let channelPart: Record<string, unknown>;
  if (guild) {
    const [bot, overwrites] = await Promise.all([store.members.get(guild.guild.id, app.botUserId), store.overwrites.listByChannel(channel.id)]);
    // A user-installed application whose bot is not in the guild has what @everyone has in the channel (it posts
    // like a webhook; Discord's docs say no more, and this is what it shows in practice).
    // Server-wide 2FA holds back the bot's moderator permissions while its owner has no 2FA, as its requests see them.
    const withoutMfa = guild.guild.mfaLevel === GuildMfaLevel.ELEVATED && !(await accountHasMfa(store, app.botUserId));
    appPermissions = computeChannelPermissions(
      { ...permissionContext(guild.guild, bot ?? outsider(guild.guild.id, app.botUserId), guild.roles, ctx.deps.now()), withoutMfa },
      overwrites.map((o) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) })),
    );
    channelPart = { ...channelJson(channel, { overwrites }), permissions: access.permissions.toString() };
  } else {
    const recipients = await store.users.getMany(await store.channels.listRecipients(channel.id));
    channelPart = { ...channelJson(channel, { recipients: recipients.filter((r) => r.id !== user.id) }), permissions: access.permissions.toString() };
    // Discord: ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE in (group) DMs with other users, USE_EXTERNAL_EMOJIS
    // only in the bot's own DM.
    appPermissions = i.context === Context.PRIVATE_CHANNEL ? access.permissions & ~Permissions.USE_EXTERNAL_EMOJIS : access.permissions;
  }
  const locale = typeof req.headers['x-discord-locale'] === 'string' ? req.headers['x-discord-locale'] : 'en-US';
  return {
    id: i.id,
    application_id: app.id,
    type: i.type,
    data: i.data,
    ...(guild ? { guild_id: guild.guild.id, guild: { id: guild.guild.id, locale: guild.guild.preferredLocale, features: [] } } : {}),
    channel: channelPart,
    channel_id: channel.id,
    ...(guild
      ? { member: { ...memberJson(guild.member, user), permissions: access.permissions.toString() } }
      : { user: publicUser(user) }),
    token,
    version: 1,
    ...(message ? { message } : {}),
    app_permissions: appPermissions.toString(),
    locale,
    ...(guild ? { guild_locale: guild.guild.preferredLocale } : {}),
    entitlements: [],
    entitlement_sku_ids: [],
    authorizing_integration_owners: i.owners ?? (guild ? { '0': guild.guild.id } : { '1': user.id }),
    context: i.context ?? (guild ? Context.GUILD : Context.BOT_DM),
    attachment_size_limit: ctx.deps.config.attachmentMaxBytes,
  };
}
