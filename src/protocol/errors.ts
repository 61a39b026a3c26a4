/**
 * Discord's JSON error codes: the one closed vocabulary every failure in Accord is expressed in.
 * The table maps each code to its HTTP status and default message; the REST layer turns an ApiError into
 * Discord's body `{code, message, errors?}` in exactly one place (api/errors.ts).
 */
export const ErrorCodes = {
  GENERAL: 0,
  UNKNOWN_ACCOUNT: 10001,
  UNKNOWN_APPLICATION: 10002,
  UNKNOWN_CHANNEL: 10003,
  UNKNOWN_GUILD: 10004,
  UNKNOWN_INTEGRATION: 10005,
  UNKNOWN_INVITE: 10006,
  UNKNOWN_MEMBER: 10007,
  UNKNOWN_MESSAGE: 10008,
  UNKNOWN_OVERWRITE: 10009,
  UNKNOWN_ROLE: 10011,
  UNKNOWN_TOKEN: 10012,
  UNKNOWN_USER: 10013,
  UNKNOWN_EMOJI: 10014,
  UNKNOWN_WEBHOOK: 10015,
  UNKNOWN_SESSION: 10020,
  UNKNOWN_BAN: 10026,
  UNKNOWN_SKU: 10027,
  UNKNOWN_ENTITLEMENT: 10029,
  UNKNOWN_LOBBY: 10031,
  UNKNOWN_GUILD_TEMPLATE: 10057,
  UNKNOWN_STICKER: 10060,
  UNKNOWN_STICKER_PACK: 10061,
  UNKNOWN_INTERACTION: 10062,
  UNKNOWN_APPLICATION_COMMAND: 10063,
  UNKNOWN_APPLICATION_COMMAND_PERMISSIONS: 10066,
  UNKNOWN_VOICE_STATE: 10065,
  UNKNOWN_STAGE_INSTANCE: 10067,
  UNKNOWN_GUILD_SCHEDULED_EVENT: 10070,
  UNKNOWN_SOUND: 10097,
  BOTS_CANNOT_USE_ENDPOINT: 20001,
  ONLY_BOTS_CAN_USE_ENDPOINT: 20002,
  NOT_AUTHORIZED_FOR_APPLICATION: 20012,
  SLOWMODE_RATE_LIMIT: 20016,
  MAX_GUILDS: 30001,
  MAX_PINS: 30003,
  MAX_ROLES: 30005,
  MAX_WEBHOOKS: 30007,
  MAX_EMOJIS: 30008,
  MAX_GROUP_DMS: 30011,
  MAX_REACTIONS: 30010,
  MAX_CHANNELS: 30013,
  MAX_ATTACHMENTS: 30015,
  GUILD_ALREADY_HAS_TEMPLATE: 30031,
  MAX_UNCOMPLETED_SCHEDULED_EVENTS: 30038,
  MAX_STICKERS: 30039,
  MAX_SOUNDBOARD_SOUNDS: 30045,
  MAX_GUILD_WEBHOOKS: 30058,
  MAX_APPLICATION_COMMANDS: 30032,
  MAX_DAILY_APPLICATION_COMMAND_CREATES: 30034,
  UNAUTHORIZED: 40001,
  REQUEST_TOO_LARGE: 40005,
  ALREADY_EXISTS: 40007,
  ALREADY_CROSSPOSTED: 40033,
  APPLICATION_COMMAND_NAME_EXISTS: 40041,
  INTERACTION_ALREADY_ACKNOWLEDGED: 40060,
  MAX_FOLLOW_UPS: 40094,
  MISSING_ACCESS: 50001,
  CANNOT_EXECUTE_ON_DM: 50003,
  INVALID_OAUTH2_ACCESS_TOKEN: 50025,
  WIDGET_DISABLED: 50004,
  CANNOT_EDIT_OTHERS_MESSAGE: 50005,
  SYSTEM_MESSAGE: 50021,
  TARGET_NOT_IN_VOICE: 40032,
  FORUM_CHANNEL_MESSAGE: 40058,
  FORUM_TAG_REQUIRED: 40067,
  REPLY_WITHOUT_READ_MESSAGE_HISTORY: 160002,
  EMPTY_MESSAGE: 50006,
  CANNOT_SEND_TO_USER: 50007,
  NON_TEXT_CHANNEL: 50008,
  OAUTH2_APPLICATION_LIMIT: 50011,
  MISSING_PERMISSIONS: 50013,
  INVALID_TOKEN: 50014,
  BULK_DELETE_COUNT: 50016,
  INVALID_RECIPIENTS: 50033,
  BULK_DELETE_TOO_OLD: 50034,
  INVALID_FORM_BODY: 50035,
  INVALID_JSON: 50109,
  INVALID_API_VERSION: 50041,
  INVALID_ROLE: 50028,
  INVALID_WEBHOOK_TOKEN: 50027,
  INVALID_GUILD: 50055,
  CANNOT_ACT_ON_CHANNEL_TYPE: 50024,
  FILE_TOO_LARGE: 50045,
  INVALID_FILE_ASSET: 50046,
  INVALID_STICKER: 50081,
  VOICE_MESSAGE_ADDITIONAL_CONTENT: 50159,
  VOICE_MESSAGE_SINGLE_AUDIO: 50160,
  VOICE_MESSAGE_METADATA: 50161,
  VOICE_MESSAGE_EDIT: 50162,
  FRIEND_REQUESTS_DISABLED: 80000,
  FRIEND_REQUEST_BLOCKED: 80001,
  BOTS_CANNOT_HAVE_FRIENDS: 80002,
  CANNOT_FRIEND_SELF: 80003,
  NO_USERS_WITH_TAG: 80004,
  ALREADY_FRIENDS: 80007,
  REACTION_BLOCKED: 90001,
  INDEX_NOT_READY: 110000,
  TWO_FACTOR_REQUIRED: 60003,
  TWO_FACTOR_INVALID_CODE: 60008,
  STAGE_ALREADY_OPEN: 150006,
  WEBHOOK_THREADS_ONLY_IN_FORUMS: 220003,
  WEBHOOK_FORUM_NEEDS_THREAD: 220001,
  WEBHOOK_FORUM_THREAD_NAME_AND_ID: 220002,
  WEBHOOK_SERVICES_IN_FORUM: 220004,
  THREAD_ARCHIVED: 50083,
  THREAD_ALREADY_CREATED: 160004,
  THREAD_LOCKED: 160005,
  MAX_ACTIVE_THREADS: 160006,
  CANNOT_UPDATE_FINISHED_EVENT: 180000,
  AUTOMOD_MESSAGE_BLOCKED: 200000,
  AUTOMOD_TITLE_BLOCKED: 200001,
  POLL_EXPIRED: 520001,
  CANNOT_EDIT_POLL: 520003,
  CANNOT_EXPIRE_NON_POLL: 520006,
  FAILED_TO_BAN_USERS: 500000,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** HTTP status and default message for each code; `satisfies` makes the table exhaustive over ErrorCode. */
export const ERROR_TABLE = {
  0: [500, 'Internal Server Error'],
  10001: [404, 'Unknown Account'],
  10002: [404, 'Unknown Application'],
  10003: [404, 'Unknown Channel'],
  10004: [404, 'Unknown Guild'],
  10006: [404, 'Unknown Invite'],
  10007: [404, 'Unknown Member'],
  10008: [404, 'Unknown Message'],
  10009: [404, 'Unknown Overwrite'],
  10005: [404, 'Unknown Integration'],
  10011: [404, 'Unknown Role'],
  10012: [404, 'Unknown Token'],
  10013: [404, 'Unknown User'],
  10014: [404, 'Unknown Emoji'],
  10015: [404, 'Unknown Webhook'],
  10020: [404, 'Unknown Session'],
  10026: [404, 'Unknown Ban'],
  10027: [404, 'Unknown SKU'],
  10029: [404, 'Unknown Entitlement'],
  10031: [404, 'Unknown lobby'],
  10060: [404, 'Unknown sticker'],
  10061: [404, 'Unknown sticker pack'],
  10062: [404, 'Unknown interaction'],
  10063: [404, 'Unknown application command'],
  10066: [404, 'Unknown application command permissions'],
  10057: [404, 'Unknown Guild Template'],
  10070: [404, 'Unknown Guild Scheduled Event'],
  10065: [404, 'Unknown Voice State'],
  10067: [404, 'Unknown Stage Instance'],
  10097: [404, 'Unknown Sound'],
  20001: [403, 'Bots cannot use this endpoint'],
  20002: [403, 'Only bots can use this endpoint'],
  20012: [403, 'You are not authorized to perform this action on this application'],
  20016: [429, 'This action cannot be performed due to slowmode rate limit.'],
  30001: [400, 'Maximum number of guilds reached (100)'],
  30003: [400, 'Maximum number of pins reached for the channel (250)'],
  30005: [400, 'Maximum number of guild roles reached (250)'],
  30007: [400, 'Maximum number of webhooks reached (15)'],
  30008: [400, 'Maximum number of emojis reached'],
  30011: [400, 'Maximum number of group DMs reached (10)'],
  30010: [400, 'Maximum number of reactions reached (20)'],
  30013: [400, 'Maximum number of guild channels reached (500)'],
  30015: [400, 'Maximum number of attachments in a message reached (10)'],
  30031: [400, 'Guild already has a template'],
  30038: [400, 'Maximum number of uncompleted guild scheduled events reached (100)'],
  30039: [400, 'Maximum number of stickers reached'],
  30045: [400, 'Maximum number of soundboard sounds reached'],
  30058: [400, 'Maximum number of webhooks per guild reached (1000)'],
  30032: [400, 'Maximum number of application commands reached'],
  // Discord answers it as a rate limit (429 with retry_after, global false), though its table lists it with the 30xxx limits.
  30034: [429, 'Max number of daily application command creates has been reached (200)'],
  40001: [401, 'Unauthorized'],
  40005: [413, 'Request entity too large'],
  40007: [400, 'The user is banned from this guild.'],
  40033: [400, 'This message has already been crossposted.'],
  40041: [400, 'An application command with that name already exists'],
  40060: [400, 'Interaction has already been acknowledged'],
  40094: [400, 'This interaction has hit the maximum number of follow up messages'],
  50083: [400, 'Operation cannot be performed on an archived thread'],
  160004: [400, 'A thread has already been created for this message'],
  160005: [400, 'Thread is locked'],
  160006: [400, 'Maximum number of active threads reached'],
  180000: [400, 'Cannot update a finished event'],
  200000: [400, 'Message was blocked by automatic moderation'],
  200001: [400, 'Title was blocked by automatic moderation'],
  50001: [403, 'Missing Access'],
  50003: [403, 'Cannot execute action on a DM channel'],
  50025: [403, 'Invalid OAuth2 access token'],
  50004: [403, 'Widget Disabled'],
  500000: [400, 'Failed to ban users'],
  50005: [403, 'Cannot edit a message authored by another user'],
  50006: [400, 'Cannot send an empty message'],
  50007: [403, 'Cannot send messages to this user'],
  40032: [400, 'Target user is not connected to voice'],
  40058: [400, 'Cannot send a message in a forum channel'],
  40067: [400, 'A tag is required to create a forum post in this channel'],
  50008: [400, 'Cannot send messages in a non-text channel'],
  50011: [400, 'OAuth2 application limit reached'],
  50013: [403, 'Missing Permissions'],
  50014: [401, 'Invalid authentication token provided'],
  50016: [400, 'Provided too few or too many messages to delete. Must provide at least 2 and fewer than 100 messages to delete.'],
  50033: [400, 'Invalid Recipient(s)'],
  50034: [400, 'A message provided was too old to bulk delete'],
  50035: [400, 'Invalid Form Body'],
  50041: [400, 'Invalid API version provided'],
  50109: [400, 'The request body contains invalid JSON.'],
  50028: [400, 'Invalid Role'],
  50027: [401, 'Invalid Webhook Token'],
  50055: [400, 'Invalid Guild'],
  50021: [400, 'Cannot execute action on a system message'],
  50024: [400, 'Cannot execute action on this channel type'],
  50045: [400, 'File uploaded exceeds the maximum size'],
  50046: [400, 'Invalid file asset'],
  50081: [400, 'Invalid sticker sent'],
  50159: [400, 'Voice messages do not support additional content.'],
  50160: [400, 'Voice messages must have a single audio attachment.'],
  50161: [400, 'Voice messages must have supporting metadata.'],
  50162: [400, 'Voice messages cannot be edited.'],
  80000: [400, 'Incoming friend requests disabled.'],
  80001: [400, 'Friend request blocked.'],
  80002: [400, 'Bots cannot have friends.'],
  80003: [400, 'Cannot send friend request to self.'],
  80004: [400, 'No users with DiscordTag exist'],
  80007: [400, 'You are already friends with that user.'],
  90001: [403, 'Reaction was blocked'],
  110000: [202, 'Index not yet available. Try again later'],
  220001: [400, 'Webhooks posted to forum channels must have a thread_name or thread_id'],
  220002: [400, 'Webhooks posted to forum channels cannot have both a thread_name and thread_id'],
  220003: [400, 'Webhooks can only create threads in forum channels'],
  220004: [400, 'Webhook services cannot be used in forum channels'],
  60003: [403, 'Two factor is required for this operation'],
  60008: [400, 'Invalid two-factor code'],
  150006: [400, 'Stage already open'],
  160002: [403, 'Cannot reply without permission to read message history'],
  520001: [400, 'Poll expired'],
  520003: [400, 'Cannot edit a poll message'],
  520006: [400, 'Cannot expire a non-poll message'],
} as const satisfies Record<ErrorCode, readonly [number, string]>;

/** One leaf of Discord's form-error tree. */
export interface FieldError {
  code: string;
  message: string;
}

/** Discord's nested error tree: keys are field names or array indices, leaves carry `_errors`. */
export interface ErrorTree {
  _errors?: FieldError[];
  [key: string]: ErrorTree | FieldError[] | undefined;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: ErrorTree;
  /** Extra top-level body fields (e.g. retry_after on 20016). */
  readonly extra?: Record<string, unknown>;

  constructor(code: ErrorCode, opts: { message?: string; errors?: ErrorTree; status?: number; extra?: Record<string, unknown> } = {}) {
    const [status, message] = ERROR_TABLE[code];
    super(opts.message ?? message);
    this.name = 'ApiError';
    this.code = code;
    this.status = opts.status ?? status;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }

  toJSON() {
    return { ...this.extra, code: this.code, message: this.message, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

/** Builds a 50035 error from a list of (path, code, message) triples. */
export function formError(issues: Array<{ path: Array<string | number>; code: string; message: string }>): ApiError {
  const errors: ErrorTree = {};
  for (const issue of issues) {
    let node = errors;
    for (const key of issue.path) {
      const k = String(key);
      node[k] ??= {};
      node = node[k] as ErrorTree;
    }
    (node._errors ??= []).push({ code: issue.code, message: issue.message });
  }
  return new ApiError(ErrorCodes.INVALID_FORM_BODY, { errors });
}

/** Shorthand for one invalid field. */
export function fieldError(path: string | Array<string | number>, code: string, message: string): ApiError {
  return formError([{ path: Array.isArray(path) ? path : path.split('.'), code, message }]);
}
