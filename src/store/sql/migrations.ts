/**
 * Versioned schema migrations, applied in order, each in its own transaction, recorded in schema_migrations.
 * Both dialects' DDL sit side by side; they differ only where the databases do (SQLite's WITHOUT ROWID
 * clustering and rowid sequences, PostgreSQL's identity columns).
 *
 * Types: ids and Unix-ms times are BIGINT (an INTEGER in SQLite), booleans SMALLINT 0/1 in both so the SQL
 * text is one, JSON and permission bitfields TEXT. Foreign keys follow containment (guild → channels, roles,
 * members, bans, invites; channel → messages, overwrites, invites, read states, recipients; message →
 * reactions, pins) and cascade on delete. User ids inside a guild or message are not foreign keys: messages
 * and bans outlive the account, as on Discord.
 */
import type { SqlDriver } from './driver.ts';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

function initial(dialect: 'sqlite' | 'postgres'): string {
  const clustered = dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  const seq = dialect === 'sqlite' ? 'seq INTEGER PRIMARY KEY' : 'seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY';
  return `
CREATE TABLE users (
  id BIGINT PRIMARY KEY,
  username TEXT NOT NULL,
  username_lower TEXT NOT NULL,
  discriminator TEXT NOT NULL,
  global_name TEXT,
  avatar TEXT,
  banner TEXT,
  bio TEXT NOT NULL DEFAULT '',
  email TEXT,
  email_lower TEXT,
  password_hash TEXT,
  bot SMALLINT NOT NULL DEFAULT 0,
  system SMALLINT NOT NULL DEFAULT 0,
  flags BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_lower ON users (username_lower);
CREATE UNIQUE INDEX users_email_lower ON users (email_lower);

CREATE TABLE tokens (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, hash)
);

CREATE TABLE applications (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  icon TEXT,
  owner_id BIGINT NOT NULL,
  bot_user_id BIGINT NOT NULL REFERENCES users (id),
  bot_public SMALLINT NOT NULL DEFAULT 1,
  bot_require_code_grant SMALLINT NOT NULL DEFAULT 0,
  flags BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX applications_bot_user_id ON applications (bot_user_id);
CREATE INDEX applications_owner_id ON applications (owner_id, id);

CREATE TABLE guilds (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  icon TEXT,
  description TEXT,
  owner_id BIGINT NOT NULL,
  system_channel_id BIGINT,
  afk_channel_id BIGINT,
  afk_timeout INTEGER NOT NULL DEFAULT 300,
  verification_level SMALLINT NOT NULL DEFAULT 0,
  default_message_notifications SMALLINT NOT NULL DEFAULT 0,
  explicit_content_filter SMALLINT NOT NULL DEFAULT 0,
  preferred_locale TEXT NOT NULL DEFAULT 'en-US',
  features TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL
);

CREATE TABLE channels (
  id BIGINT PRIMARY KEY,
  type SMALLINT NOT NULL,
  guild_id BIGINT REFERENCES guilds (id) ON DELETE CASCADE,
  name TEXT,
  topic TEXT,
  position INTEGER NOT NULL DEFAULT 0,
  parent_id BIGINT,
  nsfw SMALLINT NOT NULL DEFAULT 0,
  rate_limit_per_user INTEGER NOT NULL DEFAULT 0,
  last_message_id BIGINT,
  last_pin_timestamp BIGINT,
  owner_id BIGINT,
  icon TEXT,
  bitrate INTEGER,
  user_limit INTEGER,
  created_at BIGINT NOT NULL
);
CREATE INDEX channels_guild ON channels (guild_id, position, id);
CREATE INDEX channels_parent ON channels (parent_id);

CREATE TABLE channel_recipients (
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (channel_id, user_id)
)${clustered};
CREATE INDEX channel_recipients_user ON channel_recipients (user_id, channel_id);

CREATE TABLE roles (
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  id BIGINT NOT NULL,
  name TEXT NOT NULL,
  color INTEGER NOT NULL DEFAULT 0,
  hoist SMALLINT NOT NULL DEFAULT 0,
  position INTEGER NOT NULL DEFAULT 0,
  permissions TEXT NOT NULL DEFAULT '0',
  managed SMALLINT NOT NULL DEFAULT 0,
  mentionable SMALLINT NOT NULL DEFAULT 0,
  icon TEXT,
  unicode_emoji TEXT,
  bot_id BIGINT,
  flags INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (guild_id, id)
);

CREATE TABLE members (
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  nick TEXT,
  avatar TEXT,
  joined_at BIGINT NOT NULL,
  deaf SMALLINT NOT NULL DEFAULT 0,
  mute SMALLINT NOT NULL DEFAULT 0,
  pending SMALLINT NOT NULL DEFAULT 0,
  communication_disabled_until BIGINT,
  flags INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX members_user ON members (user_id, guild_id);

CREATE TABLE member_roles (
  guild_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  role_id BIGINT NOT NULL,
  PRIMARY KEY (guild_id, user_id, role_id),
  FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE,
  FOREIGN KEY (guild_id, role_id) REFERENCES roles (guild_id, id) ON DELETE CASCADE
)${clustered};
CREATE INDEX member_roles_role ON member_roles (guild_id, role_id);

CREATE TABLE bans (
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  reason TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE overwrites (
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  id BIGINT NOT NULL,
  type SMALLINT NOT NULL,
  allow TEXT NOT NULL DEFAULT '0',
  deny TEXT NOT NULL DEFAULT '0',
  PRIMARY KEY (channel_id, id)
);
CREATE INDEX overwrites_target ON overwrites (id);

CREATE TABLE invites (
  code TEXT PRIMARY KEY,
  guild_id BIGINT REFERENCES guilds (id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  inviter_id BIGINT,
  uses INTEGER NOT NULL DEFAULT 0,
  max_uses INTEGER NOT NULL DEFAULT 0,
  max_age INTEGER NOT NULL DEFAULT 0,
  temporary SMALLINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT
);
CREATE INDEX invites_guild ON invites (guild_id);
CREATE INDEX invites_channel ON invites (channel_id);

-- Discord's Cassandra layout: partition (channel_id, bucket), clustered by id. bucket = bucketOf(id), 10 days.
CREATE TABLE messages (
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  bucket INTEGER NOT NULL,
  id BIGINT NOT NULL,
  guild_id BIGINT,
  author_id BIGINT NOT NULL,
  content TEXT NOT NULL DEFAULT '',
  type INTEGER NOT NULL DEFAULT 0,
  flags INTEGER NOT NULL DEFAULT 0,
  tts SMALLINT NOT NULL DEFAULT 0,
  mention_everyone SMALLINT NOT NULL DEFAULT 0,
  mentions TEXT NOT NULL DEFAULT '[]',
  mention_roles TEXT NOT NULL DEFAULT '[]',
  mention_channels TEXT NOT NULL DEFAULT '[]',
  embeds TEXT NOT NULL DEFAULT '[]',
  attachments TEXT NOT NULL DEFAULT '[]',
  components TEXT NOT NULL DEFAULT '[]',
  sticker_items TEXT NOT NULL DEFAULT '[]',
  nonce TEXT,
  pinned SMALLINT NOT NULL DEFAULT 0,
  webhook_id BIGINT,
  application_id BIGINT,
  message_reference TEXT,
  edited_at BIGINT,
  PRIMARY KEY (channel_id, bucket, id)
)${clustered};
-- enforce_nonce: the author's newest message with a nonce in a channel.
CREATE INDEX messages_nonce ON messages (channel_id, author_id, nonce, id);

CREATE TABLE reactions (
  ${seq},
  channel_id BIGINT NOT NULL,
  bucket INTEGER NOT NULL,
  message_id BIGINT NOT NULL,
  emoji_key TEXT NOT NULL,
  emoji_id BIGINT,
  emoji_name TEXT NOT NULL,
  animated SMALLINT NOT NULL DEFAULT 0,
  user_id BIGINT NOT NULL,
  FOREIGN KEY (channel_id, bucket, message_id) REFERENCES messages (channel_id, bucket, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX reactions_user ON reactions (channel_id, message_id, emoji_key, user_id);
CREATE INDEX reactions_message ON reactions (channel_id, bucket, message_id);

CREATE TABLE pins (
  channel_id BIGINT NOT NULL,
  bucket INTEGER NOT NULL,
  message_id BIGINT NOT NULL,
  pinned_at BIGINT NOT NULL,
  PRIMARY KEY (channel_id, message_id),
  FOREIGN KEY (channel_id, bucket, message_id) REFERENCES messages (channel_id, bucket, id) ON DELETE CASCADE
);
CREATE INDEX pins_message ON pins (channel_id, bucket, message_id);

CREATE TABLE read_states (
  user_id BIGINT NOT NULL,
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  last_message_id BIGINT,
  mention_count INTEGER NOT NULL DEFAULT 0,
  last_pin_timestamp BIGINT,
  PRIMARY KEY (user_id, channel_id)
);
CREATE INDEX read_states_channel ON read_states (channel_id);

CREATE TABLE push_subscriptions (
  id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (user_id, endpoint);
`;
}

const OUTBOX = `
CREATE TABLE outbox (
  id BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at);
`;

// Bots' daily session starts (Discord's session_start_limit), shared by every sessions node; see sql/session-starts.ts.
// Process-wide secrets every node must share (the CDN's URL signing key; later the VAPID keys), made once.
const SECRETS = `
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`;

const SESSION_STARTS = `
CREATE TABLE session_starts (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  starts INTEGER NOT NULL,
  reset_at BIGINT NOT NULL
);
`;

// What the sessions list shows of each token, and what idle expiry and the per-user cap go by (lib/tokens.ts).
// Existing tokens count as last used when they were issued.
const TOKEN_ACTIVITY = `
ALTER TABLE tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
UPDATE tokens SET last_used_at = created_at;
ALTER TABLE tokens ADD COLUMN client_os TEXT;
ALTER TABLE tokens ADD COLUMN client_platform TEXT;
`;

// Guild banners and invite splashes, set through image data like the icon (api/image-fields.ts).
const GUILD_IMAGES = `
ALTER TABLE guilds ADD COLUMN banner TEXT;
ALTER TABLE guilds ADD COLUMN splash TEXT;
`;

// Files being uploaded (sql/pending-uploads.ts): a row from before the first byte is stored until the message that
// names the file commits (which removes it) or the cdn role's sweep deletes the file of an upload nobody finished.
// `abandoned` set by that sweep means no message may take the file any more.
const PENDING_UPLOADS = `
CREATE TABLE pending_uploads (
  blob_key TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  abandoned SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX pending_uploads_created ON pending_uploads (created_at);
`;

// Webhooks of guild channels (sql/webhooks.ts), gone with their channel; a webhook message keeps the author it
// showed when sent (name and avatar, or the sender's overrides) as JSON in `webhook_author`.
const WEBHOOKS = `
CREATE TABLE webhooks (
  id BIGINT PRIMARY KEY,
  type SMALLINT NOT NULL,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  creator_id BIGINT,
  name TEXT NOT NULL,
  avatar TEXT,
  token TEXT,
  application_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_channel ON webhooks (channel_id, id);
CREATE INDEX webhooks_guild ON webhooks (guild_id, id);
ALTER TABLE messages ADD COLUMN webhook_author TEXT;
`;

// Application commands (sql/commands.ts). `scope` is the guild id, or 0 for a global command: the unique key needs
// a non-null column, since NULLs never collide in a unique index in either database. Permissions are per guild
// and command (or the application's id, for all its commands); they are not a foreign key of commands because of
// that, so deleting a command deletes its permissions itself.
const APPLICATION_COMMANDS = `
CREATE TABLE application_commands (
  id BIGINT PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  guild_id BIGINT REFERENCES guilds (id) ON DELETE CASCADE,
  scope BIGINT NOT NULL,
  type SMALLINT NOT NULL,
  name TEXT NOT NULL,
  name_localizations TEXT,
  description TEXT NOT NULL DEFAULT '',
  description_localizations TEXT,
  options TEXT NOT NULL DEFAULT '[]',
  default_member_permissions TEXT,
  contexts TEXT,
  integration_types TEXT,
  nsfw SMALLINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL
);
CREATE UNIQUE INDEX application_commands_name ON application_commands (application_id, scope, type, name);
CREATE INDEX application_commands_guild ON application_commands (guild_id);

CREATE TABLE application_command_permissions (
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  command_id BIGINT NOT NULL,
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  permissions TEXT NOT NULL,
  PRIMARY KEY (guild_id, command_id)
);
CREATE INDEX application_command_permissions_app ON application_command_permissions (application_id, guild_id, command_id);
CREATE INDEX application_command_permissions_command ON application_command_permissions (command_id);
`;

// Interactions live 15 minutes (their token's lifetime) and are shared by every api process: the callback and the
// follow-ups may reach another process than the invocation. Tokens are kept as SHA-256 hashes. A message an
// interaction made has its interaction_metadata here; an ephemeral one is kept here whole, never in `messages`.
const INTERACTIONS = `
CREATE TABLE interactions (
  id BIGINT PRIMARY KEY,
  application_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  token_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  modal_custom_id TEXT,
  created_at BIGINT NOT NULL,
  details TEXT NOT NULL
);
CREATE UNIQUE INDEX interactions_token ON interactions (token_hash);
CREATE INDEX interactions_created ON interactions (created_at);
CREATE INDEX interactions_modal ON interactions (application_id, user_id, modal_custom_id);

CREATE TABLE interaction_messages (
  message_id BIGINT PRIMARY KEY,
  interaction_id BIGINT NOT NULL,
  metadata TEXT NOT NULL,
  ephemeral TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX interaction_messages_created ON interaction_messages (created_at);
`;

// The interaction a message answers (`interaction_metadata` and the legacy `interaction`, as JSON), kept with the
// message for good as Discord keeps it, so history reads show it; and the ledger of application command creates
// that Discord's daily limit counts (200 a day per application and scope, deleted commands included), shared by
// every api process of a cluster. `scope` is the guild id, 0 for global commands (as in application_commands).
const INTERACTION_HISTORY = `
ALTER TABLE messages ADD COLUMN interaction TEXT;
CREATE TABLE application_command_creates (
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  scope BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX application_command_creates_scope ON application_command_creates (application_id, scope, created_at);
`;

// HTTP interactions (api/interactions/http-delivery.ts): each application's Ed25519 key pair, made at its creation
// (or, for applications made before this, when first needed: SQL cannot make one), and its endpoint URL.
const APPLICATION_INTERACTIONS = `
ALTER TABLE applications ADD COLUMN verify_key TEXT;
ALTER TABLE applications ADD COLUMN interactions_private_key TEXT;
ALTER TABLE applications ADD COLUMN interactions_endpoint_url TEXT;
`;

// Applications a user installed to their account (OAuth2 integration_type 1, scope applications.commands): their
// global commands with integration type USER_INSTALL work wherever the user is (sql/user-installations.ts).
const USER_INSTALLATIONS = `
CREATE TABLE user_installations (
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (application_id, user_id)
);
CREATE INDEX user_installations_user ON user_installations (user_id);
`;

// Users' notification settings per guild (Discord's user guild settings; sql/user-guild-settings.ts). guild_id 0
// holds the DM settings (Discord's `@me`), so it is no foreign key: rows of guilds the user left stay, as Discord
// keeps them for a rejoin, and READY lists only the user's guilds. Channel overrides are JSON (a handful a row).
const USER_GUILD_SETTINGS = `
CREATE TABLE user_guild_settings (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  guild_id BIGINT NOT NULL,
  message_notifications SMALLINT,
  suppress_everyone SMALLINT NOT NULL DEFAULT 0,
  suppress_roles SMALLINT NOT NULL DEFAULT 0,
  muted SMALLINT NOT NULL DEFAULT 0,
  mute_end_time BIGINT,
  mute_time_window BIGINT,
  mobile_push SMALLINT NOT NULL DEFAULT 1,
  hide_muted_channels SMALLINT NOT NULL DEFAULT 0,
  channel_overrides TEXT NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (user_id, guild_id)
);
`;

// Push devices (push notifications to a browser or phone) belong to the log-in token that registered them: the
// foreign key on tokens removes them with it (log-out, revoke, the per-user cap, a password change). Deliveries
// make sends idempotent per (message, recipient, device) and hold their retry state.
// Existing devices keep showing previews, as they did before the choice existed.
const PUSH_DEVICE_PREVIEW = `ALTER TABLE push_devices ADD COLUMN preview SMALLINT NOT NULL DEFAULT 1;`;

const PUSH_DEVICES = `
CREATE TABLE push_devices (
  id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL,
  token_hash TEXT NOT NULL,
  provider TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  device_name TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  FOREIGN KEY (user_id, token_hash) REFERENCES tokens (user_id, hash) ON DELETE CASCADE
);
CREATE UNIQUE INDEX push_devices_endpoint ON push_devices (provider, endpoint);
CREATE INDEX push_devices_user ON push_devices (user_id);
CREATE INDEX push_devices_token ON push_devices (user_id, token_hash);

CREATE TABLE push_deliveries (
  message_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  device_id BIGINT NOT NULL,
  channel_id BIGINT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (message_id, user_id, device_id)
);
CREATE INDEX push_deliveries_due ON push_deliveries (state, next_attempt_at);
CREATE INDEX push_deliveries_created ON push_deliveries (created_at);
`;

// Cluster-wide limits (docs/scaling.md). enforce_nonce is a property of the write: a send claims its
// (channel, author, nonce) row in the message's own transaction, so a retry on any api node finds the claim (or
// waits on it) instead of storing a second message; rows older than the nonce window are reclaimed in place and
// swept by created_at. Slowmode keeps, per (channel, user), the time of the next allowed send, taken by a
// conditional upsert; shared rate-limit windows (ACCORD_RATE_LIMIT_SHARED) count hits per key the same way.
// No foreign keys: the rows are minutes-lived and swept. On PostgreSQL slowmode and rate windows are UNLOGGED:
// no WAL flush per request, and losing them in a database crash only forgets holds of the last minutes. Nonce
// claims stay logged: they commit with their message anyway.
function sendLimits(dialect: 'sqlite' | 'postgres'): string {
  const scratch = dialect === 'postgres' ? 'UNLOGGED ' : '';
  return `
CREATE TABLE message_nonces (
  channel_id BIGINT NOT NULL,
  author_id BIGINT NOT NULL,
  nonce TEXT NOT NULL,
  message_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (channel_id, author_id, nonce)
);
CREATE INDEX message_nonces_created ON message_nonces (created_at);
CREATE ${scratch}TABLE slowmode (
  channel_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  next_at BIGINT NOT NULL,
  PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX slowmode_next_at ON slowmode (next_at);
CREATE ${scratch}TABLE rate_windows (
  key TEXT NOT NULL PRIMARY KEY,
  reset_at BIGINT NOT NULL,
  count INTEGER NOT NULL
);
CREATE INDEX rate_windows_reset_at ON rate_windows (reset_at);
`;
}

// Push deliveries carry the RFC 8030 Urgency they are sent with; rows from before it are sent as normal.
const PUSH_URGENCY = `ALTER TABLE push_deliveries ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal';`;

// Polls: the poll of a poll message is JSON on its row; votes are rows of their own, one per (message, answer,
// user), deleted with their message; poll_endings lists the polls whose natural end is still to be announced.
const POLLS = `
ALTER TABLE messages ADD COLUMN poll TEXT;
CREATE TABLE poll_votes (
  channel_id BIGINT NOT NULL,
  bucket INTEGER NOT NULL,
  message_id BIGINT NOT NULL,
  answer_id INTEGER NOT NULL,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (message_id, answer_id, user_id),
  FOREIGN KEY (channel_id, bucket, message_id) REFERENCES messages (channel_id, bucket, id) ON DELETE CASCADE
);
CREATE INDEX poll_votes_user ON poll_votes (message_id, user_id);
CREATE INDEX poll_votes_message ON poll_votes (channel_id, bucket, message_id);
-- Polls whose end is still to be announced (a MESSAGE_UPDATE with final results), by when they end.
CREATE TABLE poll_endings (
  channel_id BIGINT NOT NULL,
  bucket INTEGER NOT NULL,
  message_id BIGINT NOT NULL PRIMARY KEY,
  ends_at BIGINT NOT NULL,
  FOREIGN KEY (channel_id, bucket, message_id) REFERENCES messages (channel_id, bucket, id) ON DELETE CASCADE
);
CREATE INDEX poll_endings_ends_at ON poll_endings (ends_at);
`;

// The guild audit log (Discord's, 45 days kept): one row per moderation or settings action, written in the action's
// transaction where its store method takes outbox records. Changes and options are JSON as Discord shows them.
const AUDIT_LOG = `
CREATE TABLE audit_log_entries (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  user_id BIGINT,
  target_id TEXT,
  action_type INTEGER NOT NULL,
  changes TEXT,
  options TEXT,
  reason TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_entries_guild ON audit_log_entries (guild_id, id);
CREATE INDEX audit_log_entries_guild_user ON audit_log_entries (guild_id, user_id, id);
CREATE INDEX audit_log_entries_created ON audit_log_entries (created_at);
`;

// Custom guild emoji (sql/emojis.ts). The image is in the blob store at `emojis/{id}`; `roles` is a JSON list of
// role ids that may use it (empty: everyone); `user_id` is the creator.
const GUILD_EMOJIS = `
CREATE TABLE guild_emojis (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  roles TEXT NOT NULL,
  user_id BIGINT,
  animated SMALLINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX guild_emojis_guild ON guild_emojis (guild_id, id);
`;

// Guild stickers (sql/stickers.ts). The file is in the blob store at `stickers/{id}`; `format_type` is Discord's
// (1 PNG, 2 APNG, 3 LOTTIE, 4 GIF); `user_id` is the creator.
const GUILD_STICKERS = `
CREATE TABLE guild_stickers (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  tags TEXT NOT NULL,
  format_type SMALLINT NOT NULL,
  user_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX guild_stickers_guild ON guild_stickers (guild_id, id);
`;

// Channel follows (sql/channel-follows.ts): a channel-follower webhook (type 2) and the announcement channel it
// follows. Deleting the webhook (or its channel) unfollows; so does deleting the followed channel. `crossposts`
// holds one row per published message: the claim that makes a publish happen once, whichever api node takes it.
const CHANNEL_FOLLOWS = `
CREATE TABLE channel_follows (
  webhook_id BIGINT PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
  source_channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  source_guild_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX channel_follows_source ON channel_follows (source_channel_id);
CREATE TABLE crossposts (
  message_id BIGINT PRIMARY KEY,
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL
);
`;

// Relationships (sql/relationships.ts): how user_id relates to target_id, one row per direction (Discord's types:
// 1 friend, 2 blocked, 3 pending incoming, 4 pending outgoing). A block is one-sided: the blocked user has no row.
const RELATIONSHIPS = `
CREATE TABLE relationships (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  target_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type SMALLINT NOT NULL,
  nickname TEXT,
  since BIGINT NOT NULL,
  PRIMARY KEY (user_id, target_id)
);
CREATE INDEX relationships_target ON relationships (target_id);
`;

// Threads (sql/threads.ts): a thread is a channel row (types 10, 11, 12; parent_id its text, announcement, forum
// or media channel; owner_id its creator) plus its metadata here; last_activity_at drives auto-archiving.
const THREADS = `
CREATE TABLE thread_metadata (
  channel_id BIGINT PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
  guild_id BIGINT NOT NULL,
  parent_id BIGINT NOT NULL,
  archived SMALLINT NOT NULL DEFAULT 0,
  auto_archive_duration INTEGER NOT NULL DEFAULT 4320,
  archive_timestamp BIGINT NOT NULL,
  locked SMALLINT NOT NULL DEFAULT 0,
  invitable SMALLINT NOT NULL DEFAULT 1,
  create_timestamp BIGINT NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0,
  total_message_sent INTEGER NOT NULL DEFAULT 0,
  flags INTEGER NOT NULL DEFAULT 0,
  applied_tags TEXT NOT NULL DEFAULT '[]',
  last_activity_at BIGINT NOT NULL
);
CREATE INDEX thread_metadata_guild ON thread_metadata (guild_id, archived);
CREATE INDEX thread_metadata_parent ON thread_metadata (parent_id, archived, archive_timestamp);
CREATE INDEX thread_metadata_activity ON thread_metadata (archived, last_activity_at);
CREATE TABLE thread_members (
  channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  join_timestamp BIGINT NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX thread_members_user ON thread_members (user_id, channel_id);
`;

// Forum and media channels (types 15, 16): their settings beside the channel row (sql/threads.ts). Tags and the
// default reaction are Discord's JSON objects as given.
const FORUM_CHANNELS = `
CREATE TABLE forum_settings (
  channel_id BIGINT PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
  available_tags TEXT NOT NULL DEFAULT '[]',
  default_reaction_emoji TEXT,
  default_thread_rate_limit_per_user INTEGER NOT NULL DEFAULT 0,
  default_auto_archive_duration INTEGER,
  default_sort_order SMALLINT,
  default_forum_layout SMALLINT NOT NULL DEFAULT 0,
  flags INTEGER NOT NULL DEFAULT 0
);
`;

// Community settings on the guild row (sql/guild-community.ts): the widget, the vanity invite code (unique,
// lower case) with its use count, and the welcome screen as Discord's JSON object.
const GUILD_COMMUNITY = `
ALTER TABLE guilds ADD COLUMN widget_enabled SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE guilds ADD COLUMN widget_channel_id BIGINT;
ALTER TABLE guilds ADD COLUMN vanity_url_code TEXT;
ALTER TABLE guilds ADD COLUMN vanity_uses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guilds ADD COLUMN welcome_screen TEXT;
CREATE UNIQUE INDEX guilds_vanity_url_code ON guilds (vanity_url_code);
`;

// Fewer pages written per message (docs/performance.md, "Message create"): most messages carry no nonce (bots send
// none), and indexing them by it anyway cost a page of the WAL each. The outbox is only ever read in id order (its
// rows live milliseconds: the sweep walks the primary key and filters on created_at), so its created_at index goes;
// on SQLite its id becomes the rowid, one b-tree instead of a table, its primary-key index and that one. Upgrading
// rebuilds the nonce index inside the migration's transaction (PostgreSQL cannot build one CONCURRENTLY there):
// message writes wait for it once, for as long as reading the messages table takes.
const MESSAGE_WRITE_PAGES_INDEX = `
DROP INDEX messages_nonce;
CREATE INDEX messages_nonce ON messages (channel_id, author_id, nonce, id) WHERE nonce IS NOT NULL;
`;
const MESSAGE_WRITE_PAGES = {
  sqlite: `${MESSAGE_WRITE_PAGES_INDEX}
CREATE TABLE outbox_rowid (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
INSERT INTO outbox_rowid (id, kind, subject, payload, created_at) SELECT id, kind, subject, payload, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rowid RENAME TO outbox;
`,
  postgres: `${MESSAGE_WRITE_PAGES_INDEX}
DROP INDEX outbox_created;
`,
};

// Guild settings Discord's Modify Guild takes that had no column: the system channel's flags, the rules, community
// updates and safety alerts channels, and the boost progress bar.
const GUILD_SETTINGS = `
ALTER TABLE guilds ADD COLUMN system_channel_flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guilds ADD COLUMN rules_channel_id BIGINT;
ALTER TABLE guilds ADD COLUMN public_updates_channel_id BIGINT;
ALTER TABLE guilds ADD COLUMN safety_alerts_channel_id BIGINT;
ALTER TABLE guilds ADD COLUMN premium_progress_bar_enabled SMALLINT NOT NULL DEFAULT 0;
`;

// A forward's snapshot of the message it forwards (MessageRecord.snapshot), JSON like the poll.
const MESSAGE_SNAPSHOTS = `
ALTER TABLE messages ADD COLUMN message_snapshot TEXT;
`;

// Pinning became its own permission (PIN_MESSAGES, 1 << 51); MANAGE_MESSAGES (1 << 13) no longer grants it. As
// Discord did when it split them, every role and overwrite that allowed or denied MANAGE_MESSAGES gets the same for
// PIN_MESSAGES, so nobody gains or loses pinning: an overwrite whose other side already names PIN_MESSAGES (it
// decided pinning on its own before) is left as it is. Permissions are decimal text; both bits fit a signed
// 64-bit integer.
const PIN = '2251799813685248';
const MANAGE = '8192';
const pinSplit = (int: (column: string) => string, text: (expr: string) => string) => [
  `UPDATE roles SET permissions = ${text(`${int('permissions')} | ${PIN}`)} WHERE (${int('permissions')} & ${MANAGE}) <> 0;`,
  `UPDATE overwrites SET allow = ${text(`${int('allow')} | ${PIN}`)} WHERE (${int('allow')} & ${MANAGE}) <> 0 AND (${int('deny')} & ${PIN}) = 0;`,
  `UPDATE overwrites SET deny = ${text(`${int('deny')} | ${PIN}`)} WHERE (${int('deny')} & ${MANAGE}) <> 0 AND (${int('allow')} & ${PIN}) = 0;`,
].join('\n');
// Guild scheduled events (sql/scheduled-events.ts): times in Unix ms, `entity_metadata` JSON ({location} of an
// external event), and who marked each event "Interested". Deleting the guild deletes its events; deleting a channel
// leaves its events naming it (Discord keeps them; the API refuses to start one whose channel is gone).
const SCHEDULED_EVENTS = `
CREATE TABLE guild_scheduled_events (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  channel_id BIGINT,
  creator_id BIGINT,
  name TEXT NOT NULL,
  description TEXT,
  scheduled_start_time BIGINT NOT NULL,
  scheduled_end_time BIGINT,
  privacy_level SMALLINT NOT NULL,
  status SMALLINT NOT NULL,
  entity_type SMALLINT NOT NULL,
  entity_metadata TEXT
);
CREATE INDEX guild_scheduled_events_guild ON guild_scheduled_events (guild_id, id);
CREATE TABLE guild_scheduled_event_users (
  event_id BIGINT NOT NULL REFERENCES guild_scheduled_events (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (event_id, user_id)
);
`;

// Auto moderation rules (sql/auto-moderation.ts): the trigger metadata, actions and exempt ids as JSON, read whole
// with the guild's other rules on every message sent there. Deleting the guild deletes them.
const AUTO_MODERATION = `
CREATE TABLE auto_moderation_rules (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  creator_id BIGINT NOT NULL,
  event_type SMALLINT NOT NULL,
  trigger_type SMALLINT NOT NULL,
  trigger_metadata TEXT NOT NULL,
  actions TEXT NOT NULL,
  enabled SMALLINT NOT NULL,
  exempt_roles TEXT NOT NULL,
  exempt_channels TEXT NOT NULL
);
CREATE INDEX auto_moderation_rules_guild ON auto_moderation_rules (guild_id, id);
`;

// Guild templates (sql/guild-templates.ts): Discord's serialized_source_guild as JSON; one template per guild (the
// unique guild_id), gone with its guild.
const GUILD_TEMPLATES = `
CREATE TABLE guild_templates (
  code TEXT PRIMARY KEY,
  guild_id BIGINT NOT NULL UNIQUE REFERENCES guilds (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  usage_count INTEGER NOT NULL DEFAULT 0,
  creator_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  snapshot TEXT NOT NULL
);
`;

// OAuth2 (sql/oauth2.ts): an application's client secret (its sha-256) and redirect URIs, authorization codes
// (single use, minutes long) and access tokens with their refresh tokens, all stored as sha-256 hashes. Deleting
// the application or the user deletes their grants.
const OAUTH2 = `
CREATE TABLE oauth2_clients (
  application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
  secret_hash TEXT,
  redirect_uris TEXT NOT NULL
);
CREATE TABLE oauth2_codes (
  code_hash TEXT PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE oauth2_tokens (
  access_hash TEXT PRIMARY KEY,
  refresh_hash TEXT UNIQUE,
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX oauth2_tokens_user ON oauth2_tokens (user_id, application_id);
`;

// Application-owned emoji (Discord: up to 2,000 per app, usable only by the app's bot, anywhere). Names are unique
// within the application, as the developer portal keeps them; the image is at emojis/{id} like a guild emoji's.
const APPLICATION_EMOJIS = `
CREATE TABLE application_emojis (
  id BIGINT PRIMARY KEY,
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  user_id BIGINT,
  animated SMALLINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX application_emojis_name ON application_emojis (application_id, name);
`;

// Incident actions: until when a guild's invites, and DMs between its members who are not friends, are paused.
const INCIDENT_ACTIONS = `
ALTER TABLE guilds ADD COLUMN invites_disabled_until BIGINT;
ALTER TABLE guilds ADD COLUMN dms_disabled_until BIGINT;
`;

// A text or announcement channel's defaults for its threads (forum and media channels keep theirs in forum_settings).
const THREAD_DEFAULTS = `
ALTER TABLE channels ADD COLUMN default_auto_archive_duration INTEGER;
ALTER TABLE channels ADD COLUMN default_thread_rate_limit_per_user INTEGER;
`;

const MEMBER_PROFILES = `
ALTER TABLE members ADD COLUMN banner TEXT;
ALTER TABLE members ADD COLUMN bio TEXT NOT NULL DEFAULT '';
`;

/** Temporary memberships: a flag, and a partial index the sweeper reads (only temporary rows are in it). */
const TEMPORARY_MEMBERS = `
ALTER TABLE members ADD COLUMN temporary SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX members_temporary ON members (user_id, guild_id) WHERE temporary = 1;
`;

/** Role colors beyond the primary one: a gradient's second, a holographic style's third. */
const ROLE_COLORS = `
ALTER TABLE roles ADD COLUMN secondary_color INTEGER;
ALTER TABLE roles ADD COLUMN tertiary_color INTEGER;
`;

/** Bots keep four-digit discriminators, derived from their id as new bots' are (api/routes/applications.ts). */
const BOT_DISCRIMINATORS = {
  sqlite: `UPDATE users SET discriminator = printf('%04d', (id % 9999) + 1) WHERE bot = 1 AND discriminator = '0';`,
  postgres: `UPDATE users SET discriminator = lpad(((id % 9999) + 1)::text, 4, '0') WHERE bot = 1 AND discriminator = '0';`,
};

/**
 * Follow-ups counted per interaction (a user-installed app outside a server it is installed in sends at most five),
 * and whether a deferred response was filled (the first follow-up fills it, once, whichever node sends it).
 */
const INTERACTION_FOLLOWUPS = `
ALTER TABLE interactions ADD COLUMN followups INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interactions ADD COLUMN filled SMALLINT NOT NULL DEFAULT 0;
`;

/** Private notes a user keeps on other users. */
const USER_NOTES = `
CREATE TABLE user_notes (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  target_id BIGINT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (user_id, target_id)
);
`;

/** A guild's onboarding (its questions for new members), as JSON on the guild row like the welcome screen. */
const GUILD_ONBOARDING = `ALTER TABLE guilds ADD COLUMN onboarding TEXT;`;

/** Guild soundboard sounds (sql/soundboard.ts); the sound file is in the blob store at `soundboard-sounds/{id}`. */
const GUILD_SOUNDBOARD = `
CREATE TABLE guild_soundboard_sounds (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  volume DOUBLE PRECISION NOT NULL,
  emoji_id BIGINT,
  emoji_name TEXT,
  user_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX guild_soundboard_sounds_guild ON guild_soundboard_sounds (guild_id, id);
`;

/**
 * Linked roles (sql/role-connections.ts): an application's role connection metadata (at most 5 records, kept as
 * one JSON list), and what it says of each user who connected (platform name and username, metadata values).
 */
const ROLE_CONNECTIONS = `
CREATE TABLE application_role_connection_metadata (
  application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
  records TEXT NOT NULL
);
CREATE TABLE user_role_connections (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
  platform_name TEXT,
  platform_username TEXT,
  metadata TEXT NOT NULL,
  PRIMARY KEY (user_id, application_id)
);
`;

/** Open stages (sql/stage-instances.ts): one per stage channel at most, gone with the channel. */
const STAGE_INSTANCES = `
CREATE TABLE stage_instances (
  id BIGINT PRIMARY KEY,
  guild_id BIGINT NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL UNIQUE REFERENCES channels (id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  privacy_level INTEGER NOT NULL,
  scheduled_event_id BIGINT
);
CREATE INDEX stage_instances_guild ON stage_instances (guild_id, id);
`;

/**
 * Two-factor log-in (sql/identity.ts, api/routes/mfa.ts): the user's TOTP secret and the last step a code was
 * accepted at (no replays), a flag read with every user (the user object's mfa_enabled), and one-use backup codes
 * by their sha256.
 */
const USER_MFA = `
ALTER TABLE users ADD COLUMN mfa_enabled SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_secret TEXT;
ALTER TABLE users ADD COLUMN mfa_last_step BIGINT;
CREATE TABLE user_backup_codes (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  consumed SMALLINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, code_hash)
);
`;

/** Server-wide 2FA: 1 when moderator permissions need two-factor log-in (api/access.ts). */
const GUILD_MFA_LEVEL = `
ALTER TABLE guilds ADD COLUMN mfa_level SMALLINT NOT NULL DEFAULT 0;
`;

/**
 * Community invites (api/routes/invite-target-users.ts): the roles an invite gives whoever accepts it (a JSON list of
 * role ids), and the users a targeted invite is limited to. `target_users_at` is when the list was last set, null
 * for an invite anyone may accept; `position` keeps the order of the uploaded file for reading it back.
 */
const INVITE_COMMUNITY = `
ALTER TABLE invites ADD COLUMN role_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE invites ADD COLUMN target_users_at BIGINT;
CREATE TABLE invite_target_users (
  code TEXT NOT NULL REFERENCES invites (code) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (code, user_id)
);
`;

/** A voice channel's status (api/routes/voice-status.ts): kept until changed, as nobody is ever in voice here. */
const VOICE_CHANNEL_STATUS = `
ALTER TABLE channels ADD COLUMN voice_status TEXT;
`;

/** Lobbies of the Social SDK (types.ts LobbyStore): members and messages go with their lobby; a deleted channel unlinks. */
const LOBBIES = `
CREATE TABLE lobbies (
  id BIGINT PRIMARY KEY,
  application_id BIGINT NOT NULL,
  secret TEXT,
  metadata TEXT,
  idle_timeout_seconds INTEGER NOT NULL,
  linked_channel_id BIGINT REFERENCES channels (id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  -- When it may be deleted unless someone is connected: its last activity plus idle_timeout_seconds (Unix ms).
  idle_at BIGINT NOT NULL
);
CREATE INDEX lobbies_idle ON lobbies (idle_at);
CREATE UNIQUE INDEX lobbies_secret ON lobbies (application_id, secret) WHERE secret IS NOT NULL;
CREATE UNIQUE INDEX lobbies_linked_channel ON lobbies (linked_channel_id) WHERE linked_channel_id IS NOT NULL;
CREATE TABLE lobby_members (
  lobby_id BIGINT NOT NULL REFERENCES lobbies (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL,
  metadata TEXT,
  flags INTEGER NOT NULL DEFAULT 0,
  additional_name TEXT,
  PRIMARY KEY (lobby_id, user_id)
);
CREATE INDEX lobby_members_user ON lobby_members (user_id);
CREATE TABLE lobby_messages (
  lobby_id BIGINT NOT NULL REFERENCES lobbies (id) ON DELETE CASCADE,
  id BIGINT NOT NULL,
  author_id BIGINT NOT NULL,
  content TEXT NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  additional_name TEXT,
  moderation_metadata TEXT,
  PRIMARY KEY (lobby_id, id)
);
`;

/**
 * A lobby's secret stops letting users join after 30 days, and the same secret then makes a new lobby (sql/lobbies.ts
 * createOrJoin): one secret may name several lobbies, the newest of which is the live one. createOrJoin serialises
 * the writers of one secret (an advisory lock on PostgreSQL, the one writer on SQLite), which the unique index did.
 */
const LOBBY_SECRETS_EXPIRE = `
DROP INDEX lobbies_secret;
CREATE INDEX lobbies_secret ON lobbies (application_id, secret, id) WHERE secret IS NOT NULL;
`;

/** A lobby message brought in from its linked channel names that channel (api/lobby-events.ts). */
const LOBBY_MESSAGE_SOURCE = `
ALTER TABLE lobby_messages ADD COLUMN source_channel_id BIGINT;
`;


const PIN_MESSAGES_SPLIT = {
  sqlite: pinSplit((c) => `CAST(${c} AS INTEGER)`, (e) => `CAST(${e} AS TEXT)`),
  postgres: pinSplit((c) => `${c}::bigint`, (e) => `(${e})::text`),
};

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sqlite: initial('sqlite'), postgres: initial('postgres') },
  // What must follow a committed write (dispatches, jobs), written in the write's transaction; see contracts/outbox.ts.
  { version: 2, name: 'outbox', sqlite: OUTBOX, postgres: OUTBOX },
  { version: 3, name: 'token activity', sqlite: TOKEN_ACTIVITY, postgres: TOKEN_ACTIVITY },
  { version: 4, name: 'session_starts', sqlite: SESSION_STARTS, postgres: SESSION_STARTS },
  { version: 5, name: 'secrets', sqlite: SECRETS, postgres: SECRETS },
  { version: 6, name: 'guild banner and splash', sqlite: GUILD_IMAGES, postgres: GUILD_IMAGES },
  { version: 7, name: 'pending_uploads', sqlite: PENDING_UPLOADS, postgres: PENDING_UPLOADS },
  { version: 8, name: 'application commands', sqlite: APPLICATION_COMMANDS, postgres: APPLICATION_COMMANDS },
  { version: 9, name: 'webhooks', sqlite: WEBHOOKS, postgres: WEBHOOKS },
  { version: 10, name: 'interactions', sqlite: INTERACTIONS, postgres: INTERACTIONS },
  { version: 11, name: 'application interactions endpoint', sqlite: APPLICATION_INTERACTIONS, postgres: APPLICATION_INTERACTIONS },
  { version: 12, name: 'interaction history and command creates', sqlite: INTERACTION_HISTORY, postgres: INTERACTION_HISTORY },
  { version: 13, name: 'user installations', sqlite: USER_INSTALLATIONS, postgres: USER_INSTALLATIONS },
  { version: 16, name: 'user guild settings', sqlite: USER_GUILD_SETTINGS, postgres: USER_GUILD_SETTINGS },
  { version: 17, name: 'push devices and deliveries', sqlite: PUSH_DEVICES, postgres: PUSH_DEVICES },
  { version: 18, name: 'push device previews', sqlite: PUSH_DEVICE_PREVIEW, postgres: PUSH_DEVICE_PREVIEW },
  { version: 19, name: 'cluster limits', sqlite: sendLimits('sqlite'), postgres: sendLimits('postgres') },
  { version: 20, name: 'push delivery urgency', sqlite: PUSH_URGENCY, postgres: PUSH_URGENCY },
  { version: 21, name: 'polls', sqlite: POLLS, postgres: POLLS },
  { version: 22, name: 'audit log', sqlite: AUDIT_LOG, postgres: AUDIT_LOG },
  { version: 23, name: 'guild emojis', sqlite: GUILD_EMOJIS, postgres: GUILD_EMOJIS },
  { version: 24, name: 'threads', sqlite: THREADS, postgres: THREADS },
  { version: 25, name: 'forum channels', sqlite: FORUM_CHANNELS, postgres: FORUM_CHANNELS },
  { version: 26, name: 'relationships', sqlite: RELATIONSHIPS, postgres: RELATIONSHIPS },
  { version: 27, name: 'guild stickers', sqlite: GUILD_STICKERS, postgres: GUILD_STICKERS },
  { version: 28, name: 'channel follows', sqlite: CHANNEL_FOLLOWS, postgres: CHANNEL_FOLLOWS },
  { version: 29, name: 'guild community settings', sqlite: GUILD_COMMUNITY, postgres: GUILD_COMMUNITY },
  { version: 30, name: 'fewer pages per message write', ...MESSAGE_WRITE_PAGES },
  { version: 31, name: 'guild settings', sqlite: GUILD_SETTINGS, postgres: GUILD_SETTINGS },
  { version: 32, name: 'message snapshots', sqlite: MESSAGE_SNAPSHOTS, postgres: MESSAGE_SNAPSHOTS },
  { version: 33, name: 'pin messages permission', ...PIN_MESSAGES_SPLIT },
  { version: 34, name: 'guild scheduled events', sqlite: SCHEDULED_EVENTS, postgres: SCHEDULED_EVENTS },
  { version: 35, name: 'auto moderation rules', sqlite: AUTO_MODERATION, postgres: AUTO_MODERATION },
  { version: 36, name: 'guild templates', sqlite: GUILD_TEMPLATES, postgres: GUILD_TEMPLATES },
  { version: 37, name: 'oauth2', sqlite: OAUTH2, postgres: OAUTH2 },
  { version: 38, name: 'application emojis', sqlite: APPLICATION_EMOJIS, postgres: APPLICATION_EMOJIS },
  { version: 39, name: 'incident actions', sqlite: INCIDENT_ACTIONS, postgres: INCIDENT_ACTIONS },
  { version: 40, name: 'thread defaults of text channels', sqlite: THREAD_DEFAULTS, postgres: THREAD_DEFAULTS },
  { version: 41, name: 'per-server member profiles', sqlite: MEMBER_PROFILES, postgres: MEMBER_PROFILES },
  { version: 42, name: 'temporary members', sqlite: TEMPORARY_MEMBERS, postgres: TEMPORARY_MEMBERS },
  { version: 43, name: 'role gradient colors', sqlite: ROLE_COLORS, postgres: ROLE_COLORS },
  { version: 44, name: 'bot discriminators', ...BOT_DISCRIMINATORS },
  { version: 45, name: 'interaction follow-up counts and fills', sqlite: INTERACTION_FOLLOWUPS, postgres: INTERACTION_FOLLOWUPS },
  { version: 46, name: 'user notes', sqlite: USER_NOTES, postgres: USER_NOTES },
  { version: 47, name: 'guild onboarding', sqlite: GUILD_ONBOARDING, postgres: GUILD_ONBOARDING },
  { version: 48, name: 'guild soundboard sounds', sqlite: GUILD_SOUNDBOARD, postgres: GUILD_SOUNDBOARD },
  { version: 49, name: 'role connections', sqlite: ROLE_CONNECTIONS, postgres: ROLE_CONNECTIONS },
  { version: 50, name: 'stage instances', sqlite: STAGE_INSTANCES, postgres: STAGE_INSTANCES },
  { version: 51, name: 'two-factor log-in', sqlite: USER_MFA, postgres: USER_MFA },
  { version: 52, name: 'guild mfa level', sqlite: GUILD_MFA_LEVEL, postgres: GUILD_MFA_LEVEL },
  { version: 53, name: 'community invites', sqlite: INVITE_COMMUNITY, postgres: INVITE_COMMUNITY },
  { version: 54, name: 'voice channel status', sqlite: VOICE_CHANNEL_STATUS, postgres: VOICE_CHANNEL_STATUS },
  { version: 55, name: 'lobbies', sqlite: LOBBIES, postgres: LOBBIES },
  { version: 56, name: 'lobby secrets expire', sqlite: LOBBY_SECRETS_EXPIRE, postgres: LOBBY_SECRETS_EXPIRE },
  { version: 57, name: 'lobby messages from linked channels', sqlite: LOBBY_MESSAGE_SOURCE, postgres: LOBBY_MESSAGE_SOURCE },
];

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/**
 * Applies pending migrations one per transaction and returns the versions this call applied. Safe when several
 * processes start at once: each transaction first takes the migration lock (PostgreSQL: an advisory
 * transaction lock per schema; SQLite: BEGIN IMMEDIATE, the database write lock), then re-reads the ledger, so
 * a migration another process applied meanwhile is skipped.
 */
export async function migrate(db: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  for (;;) {
    const next = await db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        await tx.get(`SELECT pg_advisory_xact_lock(hashtext('accord.migrate.' || current_schema()))`);
      }
      await tx.exec(LEDGER);
      const rows = await tx.all('SELECT version FROM schema_migrations');
      const done = new Set(rows.map((r) => Number(r.version)));
      const pending = migrations.find((m) => !done.has(m.version));
      if (!pending) return null;
      await tx.exec(tx.dialect === 'sqlite' ? pending.sqlite : pending.postgres);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [pending.version, pending.name, Date.now()]);
      return pending.version;
    });
    if (next === null) return applied;
    applied.push(next);
  }
}
