/** The Store over any SqlDriver: one repository object per aggregate, plus lifecycle. */
import type { Store } from '../types.ts';
import type { SqlDriver } from './driver.ts';
import { SqlApplicationCommandStore } from './commands.ts';
import { SqlChannelStore, SqlInviteStore, SqlOverwriteStore } from './channels.ts';
import { SqlInteractionStore } from './interactions.ts';
import { SqlBanStore, SqlGuildStore, SqlMemberStore, SqlRoleStore } from './guilds.ts';
import { SqlApplicationStore, SqlTokenStore, SqlUserStore } from './identity.ts';
import { SqlMessageStore, SqlPinStore, SqlReactionStore } from './messages.ts';
import { SqlPollVoteStore } from './polls.ts';
import { migrate, MIGRATIONS, type Migration } from './migrations.ts';
import { SqlPushSubscriptionStore, SqlReadStateStore } from './state.ts';
import { SqlOutboxStore } from './outbox.ts';
import { SqlPushDeliveryStore, SqlPushDeviceStore } from './push-devices.ts';
import { SqlPendingUploadStore } from './pending-uploads.ts';
import { SqlSecretStore } from './secrets.ts';
import { SqlSessionStartStore } from './session-starts.ts';
import { SqlSlowmodeStore } from './slowmode.ts';
import { SqlRateWindowStore } from './rate-windows.ts';
import { SqlWebhookStore } from './webhooks.ts';
import { SqlAuditLogStore } from './audit-log.ts';
import { SqlGuildEmojiStore } from './emojis.ts';
import { SqlApplicationEmojiStore } from './application-emojis.ts';
import { SqlGuildStickerStore } from './stickers.ts';
import { SqlGuildSoundStore } from './soundboard.ts';
import { SqlStageInstanceStore } from './stage-instances.ts';
import { SqlLobbyStore } from './lobbies.ts';
import { SqlRoleConnectionStore } from './role-connections.ts';
import { SqlScheduledEventStore } from './scheduled-events.ts';
import { SqlAutoModerationStore } from './auto-moderation.ts';
import { SqlGuildTemplateStore } from './guild-templates.ts';
import { SqlOAuth2Store } from './oauth2.ts';
import { SqlChannelFollowStore } from './channel-follows.ts';
import { SqlThreadStore } from './threads.ts';
import { SqlRelationshipStore } from './relationships.ts';
import { SqlGuildCommunityStore } from './guild-community.ts';
import { SqlUserInstallationStore } from './user-installations.ts';
import { SqlUserGuildSettingsStore } from './user-guild-settings.ts';

export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly users: SqlUserStore;
  readonly tokens: SqlTokenStore;
  readonly applications: SqlApplicationStore;
  readonly guilds: SqlGuildStore;
  readonly channels: SqlChannelStore;
  readonly roles: SqlRoleStore;
  readonly members: SqlMemberStore;
  readonly bans: SqlBanStore;
  readonly overwrites: SqlOverwriteStore;
  readonly invites: SqlInviteStore;
  readonly messages: SqlMessageStore;
  readonly reactions: SqlReactionStore;
  readonly pollVotes: SqlPollVoteStore;
  readonly pins: SqlPinStore;
  readonly readStates: SqlReadStateStore;
  readonly pushSubscriptions: SqlPushSubscriptionStore;
  readonly pushDevices: SqlPushDeviceStore;
  readonly pushDeliveries: SqlPushDeliveryStore;
  readonly outbox: SqlOutboxStore;
  readonly pendingUploads: SqlPendingUploadStore;
  readonly webhooks: SqlWebhookStore;
  readonly sessionStarts: SqlSessionStartStore;
  readonly secrets: SqlSecretStore;
  readonly applicationCommands: SqlApplicationCommandStore;
  readonly interactions: SqlInteractionStore;
  readonly userInstallations: SqlUserInstallationStore;
  readonly userGuildSettings: SqlUserGuildSettingsStore;
  readonly slowmode: SqlSlowmodeStore;
  readonly rateWindows: SqlRateWindowStore;
  readonly auditLog: SqlAuditLogStore;
  readonly guildEmojis: SqlGuildEmojiStore;
  readonly applicationEmojis: SqlApplicationEmojiStore;
  readonly guildStickers: SqlGuildStickerStore;
  readonly guildSounds: SqlGuildSoundStore;
  readonly stageInstances: SqlStageInstanceStore;
  readonly lobbies: SqlLobbyStore;
  readonly roleConnections: SqlRoleConnectionStore;
  readonly scheduledEvents: SqlScheduledEventStore;
  readonly autoModeration: SqlAutoModerationStore;
  readonly guildTemplates: SqlGuildTemplateStore;
  readonly oauth2: SqlOAuth2Store;
  readonly channelFollows: SqlChannelFollowStore;
  readonly threads: SqlThreadStore;
  readonly relationships: SqlRelationshipStore;
  readonly guildCommunity: SqlGuildCommunityStore;
  /** Present when the driver has it (SQLite). */
  readonly watchRows?: Store['watchRows'];

  constructor(
    readonly driver: SqlDriver,
    private readonly migrations: readonly Migration[] = MIGRATIONS,
  ) {
    this.kind = driver.dialect;
    this.users = new SqlUserStore(driver);
    this.tokens = new SqlTokenStore(driver);
    this.applications = new SqlApplicationStore(driver);
    this.guilds = new SqlGuildStore(driver);
    this.channels = new SqlChannelStore(driver);
    this.roles = new SqlRoleStore(driver);
    this.members = new SqlMemberStore(driver);
    this.bans = new SqlBanStore(driver);
    this.overwrites = new SqlOverwriteStore(driver);
    this.invites = new SqlInviteStore(driver);
    this.messages = new SqlMessageStore(driver);
    this.reactions = new SqlReactionStore(driver);
    this.pollVotes = new SqlPollVoteStore(driver);
    this.pins = new SqlPinStore(driver);
    this.readStates = new SqlReadStateStore(driver);
    this.pushSubscriptions = new SqlPushSubscriptionStore(driver);
    this.pushDevices = new SqlPushDeviceStore(driver);
    this.pushDeliveries = new SqlPushDeliveryStore(driver);
    this.outbox = new SqlOutboxStore(driver);
    this.pendingUploads = new SqlPendingUploadStore(driver);
    this.webhooks = new SqlWebhookStore(driver);
    this.sessionStarts = new SqlSessionStartStore(driver);
    this.secrets = new SqlSecretStore(driver);
    this.applicationCommands = new SqlApplicationCommandStore(driver);
    this.interactions = new SqlInteractionStore(driver);
    this.userInstallations = new SqlUserInstallationStore(driver);
    this.userGuildSettings = new SqlUserGuildSettingsStore(driver);
    this.slowmode = new SqlSlowmodeStore(driver);
    this.rateWindows = new SqlRateWindowStore(driver);
    this.auditLog = new SqlAuditLogStore(driver);
    this.guildEmojis = new SqlGuildEmojiStore(driver);
    this.applicationEmojis = new SqlApplicationEmojiStore(driver);
    this.guildStickers = new SqlGuildStickerStore(driver);
    this.guildSounds = new SqlGuildSoundStore(driver);
    this.stageInstances = new SqlStageInstanceStore(driver);
    this.lobbies = new SqlLobbyStore(driver);
    this.roleConnections = new SqlRoleConnectionStore(driver);
    this.scheduledEvents = new SqlScheduledEventStore(driver);
    this.autoModeration = new SqlAutoModerationStore(driver);
    this.guildTemplates = new SqlGuildTemplateStore(driver);
    this.oauth2 = new SqlOAuth2Store(driver);
    this.channelFollows = new SqlChannelFollowStore(driver);
    this.threads = new SqlThreadStore(driver);
    this.relationships = new SqlRelationshipStore(driver);
    this.guildCommunity = new SqlGuildCommunityStore(driver);
    if (driver.watchRows) this.watchRows = (tables, listener) => driver.watchRows!(tables, listener);
  }

  migrate(): Promise<number[]> {
    return migrate(this.driver, this.migrations);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.driver.get('SELECT 1 AS ok')) !== undefined;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
