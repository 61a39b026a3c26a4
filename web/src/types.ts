/** The Discord API v10 shapes the client reads (only the fields it uses; the server may send more). */
export type Snowflake = string;

export interface User {
  id: Snowflake;
  username: string;
  discriminator?: string;
  global_name?: string | null;
  avatar?: string | null;
  bot?: boolean;
  email?: string | null;
  /** About Me: on the current user (READY), and in a profile (profiles.ts). */
  bio?: string;
  banner?: string | null;
  /** On the current user: whether logging in takes a second factor (TOTP). */
  mfa_enabled?: boolean;
}

/** Discord's relationship object (friends, blocks, requests): 1 friend, 2 blocked, 3 incoming, 4 outgoing. */
export interface Relationship {
  id: Snowflake;
  type: 1 | 2 | 3 | 4;
  user: User;
  nickname: string | null;
  since?: string;
}

export interface Role {
  id: Snowflake;
  name: string;
  color: number;
  /** Discord's role colors object: a secondary color makes a gradient, a tertiary one the holographic style. */
  colors?: { primary_color: number; secondary_color: number | null; tertiary_color: number | null };
  unicode_emoji?: string | null;
  hoist: boolean;
  position: number;
  permissions: string;
  managed?: boolean;
  mentionable?: boolean;
}

export interface Overwrite {
  id: Snowflake;
  type: 0 | 1;
  allow: string;
  deny: string;
}

export const ChannelType = { GUILD_TEXT: 0, DM: 1, GUILD_VOICE: 2, GROUP_DM: 3, GUILD_CATEGORY: 4, GUILD_ANNOUNCEMENT: 5, GUILD_STAGE_VOICE: 13 } as const;


/** A live stage (stage channel with a topic), as GUILD_CREATE and STAGE_INSTANCE_* carry it. */
export interface StageInstance {
  id: Snowflake;
  guild_id: Snowflake;
  channel_id: Snowflake;
  topic: string;
  privacy_level: number;
  guild_scheduled_event_id: Snowflake | null;
}

export interface Channel {
  id: Snowflake;
  type: number;
  guild_id?: Snowflake;
  name?: string | null;
  topic?: string | null;
  position?: number;
  parent_id?: Snowflake | null;
  permission_overwrites?: Overwrite[];
  last_message_id?: Snowflake | null;
  recipients?: User[];
  owner_id?: Snowflake;
  icon?: string | null;
  /** Slowmode: seconds a member waits between messages (0: off). */
  rate_limit_per_user?: number;
  last_pin_timestamp?: string | null;
  /** Channel flags (a forum's REQUIRE_TAG, 1 << 4). */
  flags?: number;
  /** Minutes of inactivity after which the channel's new threads are hidden (60, 1440, 4320, 10080). */
  default_auto_archive_duration?: number;
  /** The slowmode the channel's new threads start with. */
  default_thread_rate_limit_per_user?: number;
}

export interface Member {
  user?: User;
  nick?: string | null;
  /** The member's guild avatar hash (shown instead of the user's avatar in that guild). */
  avatar?: string | null;
  /** The member's guild banner hash (shown instead of the user's banner in that guild). */
  banner?: string | null;
  roles: Snowflake[];
  joined_at?: string;
  communication_disabled_until?: string | null;
  /** Guild member flags (COMPLETED_ONBOARDING 1 << 1 …). */
  flags?: number;
}

export type Status = 'online' | 'idle' | 'dnd' | 'offline' | 'invisible';

export interface Presence {
  user: { id: Snowflake } & Partial<User>;
  guild_id?: Snowflake;
  status: Status;
  activities?: unknown[];
}

export interface Guild {
  id: Snowflake;
  name: string;
  icon?: string | null;
  owner_id: Snowflake;
  roles: Role[];
  member_count?: number;
  unavailable?: boolean;
  channels?: Channel[];
  members?: Member[];
  presences?: Presence[];
  system_channel_id?: Snowflake | null;
  /** SUPPRESS_JOIN_NOTIFICATIONS (1 << 0): no join message in the system channel. */
  system_channel_flags?: number;
  /** 0: all messages notify, 1: only mentions (members' default). */
  default_message_notifications?: number;
  /** Discord's guild features (WELCOME_SCREEN_ENABLED, GUILD_ONBOARDING, …). */
  features?: string[];
  /** 1: moderator actions need two-factor log-in (server-wide 2FA). */
  mfa_level?: number;
}

export interface Reaction {
  emoji: { id: Snowflake | null; name: string | null; animated?: boolean };
  count: number;
  me: boolean;
}

export interface Message {
  id: Snowflake;
  channel_id: Snowflake;
  guild_id?: Snowflake;
  author: User;
  member?: Member;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  mentions?: User[];
  mention_roles?: Snowflake[];
  mention_everyone?: boolean;
  reactions?: Reaction[];
  nonce?: string | number;
  type: number;
  /** type 0 a reply (or a crosspost's source), 1 a forward. */
  message_reference?: { type?: number; message_id?: Snowflake; channel_id?: Snowflake; guild_id?: Snowflake };
  /** A forward's copy of the message it forwards (components/Forward.tsx). */
  message_snapshots?: Array<{ message: MessageSnapshot }>;
  referenced_message?: Message | null;
  embeds?: Embed[];
  attachments?: Attachment[];
  /** Action rows of buttons and selects, sent by bots (components/MessageComponents.tsx). */
  components?: ActionRow[];
  application_id?: Snowflake;
  webhook_id?: Snowflake;
  pinned?: boolean;
  /** Message flags: EPHEMERAL (1 << 6) and LOADING (1 << 7) change how it is drawn (MessageFlag). */
  flags?: number;
  /** The interaction this message answers (components/InteractionHeader.tsx). */
  interaction_metadata?: InteractionMetadata;
  /** The legacy form of the same (older messages, some servers). */
  interaction?: { id: Snowflake; type: number; name: string; user: User };
  /** A poll message's poll (components/Poll.tsx). */
  poll?: Poll;
  /** Stickers sent with it: `{id, name, format_type}` (components/GuildStickers.tsx). */
  sticker_items?: Array<{ id: Snowflake; name: string; format_type: number }>;
  /** Client-side only: sent but not yet confirmed by the server, or failed. */
  pending?: 'sending' | 'failed';
}

/** What a forward shows of the message it forwards, as it was when forwarded. */
export interface MessageSnapshot {
  type: number;
  content: string;
  embeds?: Embed[];
  attachments?: Attachment[];
  timestamp: string;
  edited_timestamp: string | null;
  flags?: number;
  mentions?: User[];
  sticker_items?: Array<{ id: Snowflake; name: string; format_type: number }>;
  /** A forwarded Components V2 layout (flags has IS_COMPONENTS_V2). */
  components?: unknown[];
}

/** Discord's poll media: a question or an answer's text and emoji. */
export interface PollMedia {
  text?: string;
  emoji?: { id: Snowflake | null; name: string | null };
}

/** Discord's poll object on a message, with the results as the viewer sees them. */
export interface Poll {
  question: PollMedia;
  answers: Array<{ answer_id: number; poll_media: PollMedia }>;
  expiry: string | null;
  allow_multiselect: boolean;
  layout_type: number;
  results?: { is_finalized: boolean; answer_counts: Array<{ id: number; count: number; me_voted: boolean }> };
}

/** Discord's message flags the client reads. */
export const MessageFlag = { EPHEMERAL: 1 << 6, LOADING: 1 << 7, IS_COMPONENTS_V2: 1 << 15 } as const;

/** Discord's message interaction metadata: who invoked what (the command's name for APPLICATION_COMMAND). */
export interface InteractionMetadata {
  id: Snowflake;
  type: number;
  user: User;
  name?: string;
  triggering_interaction_metadata?: InteractionMetadata;
}

/** Discord's text input (type 4) of a modal: style 1 short, 2 paragraph. */
export interface TextInputComponent {
  type: 4;
  id?: number;
  custom_id: string;
  style?: number;
  /** Deprecated in a label component (the label's own `label` wins), required in an action row. */
  label?: string;
  placeholder?: string;
  required?: boolean;
  min_length?: number;
  max_length?: number;
  value?: string;
}

/** A modal's top-level component: an action row holding one text input, or a label (type 18) around one. */
export type ModalComponent =
  | { type: 1; id?: number; components: TextInputComponent[] }
  | { type: 18; id?: number; label: string; description?: string; component: TextInputComponent }
  | { type: number; id?: number; [key: string]: unknown };

/** INTERACTION_MODAL_CREATE: a modal an application shows in answer to this user's interaction. */
export interface InteractionModal {
  id: Snowflake;
  application_id?: Snowflake;
  application?: { id: Snowflake; name?: string };
  channel_id: Snowflake;
  guild_id?: Snowflake;
  custom_id: string;
  title: string;
  components: ModalComponent[];
  nonce?: string;
}

/** A component's emoji: a custom one by id, or a Unicode one by name. */
export interface ComponentEmoji {
  id?: Snowflake;
  name?: string;
  animated?: boolean;
}

/** Discord's button (type 2): styles 1 primary, 2 secondary, 3 success, 4 danger, 5 link, 6 premium. */
export interface ButtonComponent {
  type: 2;
  id?: number;
  style: number;
  label?: string;
  emoji?: ComponentEmoji;
  custom_id?: string;
  url?: string;
  disabled?: boolean;
}

/** Discord's selects: 3 string (with options), 5 user, 6 role, 7 mentionable, 8 channel. */
export interface SelectComponent {
  type: 3 | 5 | 6 | 7 | 8;
  id?: number;
  custom_id: string;
  options?: Array<{ label: string; value: string; description?: string; emoji?: ComponentEmoji; default?: boolean }>;
  placeholder?: string;
  min_values?: number;
  max_values?: number;
  disabled?: boolean;
  /** User, role, mentionable and channel selects: what is chosen at first. */
  default_values?: Array<{ id: Snowflake; type: 'user' | 'role' | 'channel' }>;
  /** Channel selects: the channel types offered (none: all). */
  channel_types?: number[];
}

export type MessageComponent = ButtonComponent | SelectComponent;

/** Discord's unfurled media item, as the server renders it (proxy_url: this server's copy). */
export interface MediaItem {
  url: string;
  proxy_url?: string;
  width?: number;
  height?: number;
  content_type?: string;
}

/**
 * A Components V2 node (a message flagged IS_COMPONENTS_V2): section 9, text display 10, thumbnail 11, media
 * gallery 12, file 13, separator 14, container 17, or an action row (1). Fields are read defensively.
 */
export interface V2Node {
  type: number;
  id?: number;
  content?: string;
  components?: V2Node[];
  accessory?: V2Node & Partial<Omit<ButtonComponent, 'type'>>;
  media?: MediaItem;
  description?: string | null;
  spoiler?: boolean;
  items?: Array<{ media?: MediaItem; description?: string | null; spoiler?: boolean }>;
  file?: MediaItem;
  name?: string;
  size?: number;
  divider?: boolean;
  spacing?: number;
  accent_color?: number | null;
}

/** Discord's action row (type 1): up to five buttons or one select. */
export interface ActionRow {
  type: 1;
  id?: number;
  components: MessageComponent[];
}

/** Discord's attachment object (a file sent with a message). */
export interface Attachment {
  id: Snowflake;
  filename: string;
  size: number;
  url: string;
  /** The same file through the media proxy: what previews load. */
  proxy_url?: string;
  content_type?: string;
  /** Images and videos only. */
  width?: number | null;
  height?: number | null;
  /** Alt text. */
  description?: string;
  /** Attachment flags: IS_SPOILER is 1 << 3. */
  flags?: number;
  /** A voice message's file only: its length and its sampled waveform (base64). */
  duration_secs?: number;
  waveform?: string;
}

/** An embed's image, thumbnail or video: `proxy_url` is the copy this server serves (/external/...). */
export interface EmbedMedia {
  url?: string;
  proxy_url?: string;
  width?: number;
  height?: number;
}

/** Discord's embed object (bots send `rich` ones; every field is optional and may be anything on the wire). */
export interface Embed {
  type?: string;
  title?: string;
  description?: string;
  url?: string;
  timestamp?: string;
  color?: number;
  footer?: { text?: string; icon_url?: string; proxy_icon_url?: string };
  image?: EmbedMedia;
  thumbnail?: EmbedMedia;
  video?: EmbedMedia;
  author?: { name?: string; url?: string; icon_url?: string; proxy_icon_url?: string };
  fields?: Array<{ name?: string; value?: string; inline?: boolean }>;
}

/** Message types the client draws as a system line rather than a chat message. */
export const MessageType = { DEFAULT: 0, CHANNEL_NAME_CHANGE: 4, CHANNEL_PINNED_MESSAGE: 6, USER_JOIN: 7, CHANNEL_FOLLOW_ADD: 12, REPLY: 19, CHAT_INPUT_COMMAND: 20, CONTEXT_MENU_COMMAND: 23 } as const;

export interface ReadStateEntry {
  id: Snowflake;
  last_message_id: Snowflake | null;
  mention_count?: number;
}

export interface Invite {
  code: string;
  guild?: { id: Snowflake; name: string; icon?: string | null };
  channel?: { id: Snowflake; name?: string | null; type: number } | null;
  inviter?: User;
  approximate_member_count?: number;
  approximate_presence_count?: number;
  expires_at?: string | null;
  /** Invite metadata, for those who may manage the server. */
  uses?: number;
  max_uses?: number;
  max_age?: number;
  created_at?: string;
  /** The roles whoever accepts it is given (Discord's partial role: id, name, position, color, colors, icon, unicode_emoji). */
  roles?: Array<Pick<Role, 'id' | 'name' | 'position' | 'color' | 'colors' | 'unicode_emoji'>>;
}

/** A lobby of the Social SDK the user is in (GET /users/@me/lobbies, LOBBY_* events). */
export interface LobbyMember {
  id: Snowflake;
  metadata: Record<string, string> | null;
  flags: number;
  additional_name?: string;
}

export interface Lobby {
  id: Snowflake;
  application_id: Snowflake;
  metadata: Record<string, string> | null;
  members: LobbyMember[];
  linked_channel?: Channel;
}

export interface LobbyMessage {
  id: Snowflake;
  lobby_id: Snowflake;
  content: string;
  author: User;
  lobby_member?: { additional_name: string };
  moderation_metadata?: Record<string, string>;
  flags: number;
}
