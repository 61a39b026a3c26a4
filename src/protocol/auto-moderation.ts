/**
 * Discord's auto moderation vocabulary (https://discord.com/developers/docs/resources/auto-moderation): trigger,
 * event, action and keyword preset types, and the limits Discord documents for a rule.
 */
export const AutoModTriggerType = { KEYWORD: 1, SPAM: 3, KEYWORD_PRESET: 4, MENTION_SPAM: 5, MEMBER_PROFILE: 6 } as const;
export const AutoModEventType = { MESSAGE_SEND: 1, MEMBER_UPDATE: 2 } as const;
export const AutoModActionType = { BLOCK_MESSAGE: 1, SEND_ALERT_MESSAGE: 2, TIMEOUT: 3, BLOCK_MEMBER_INTERACTION: 4 } as const;
export const AutoModKeywordPreset = { PROFANITY: 1, SEXUAL_CONTENT: 2, SLURS: 3 } as const;

/** "Max per Guild" of each trigger type. */
export const AUTOMOD_RULES_PER_TYPE: Readonly<Record<number, number>> = {
  [AutoModTriggerType.KEYWORD]: 6,
  [AutoModTriggerType.SPAM]: 1,
  [AutoModTriggerType.KEYWORD_PRESET]: 1,
  [AutoModTriggerType.MENTION_SPAM]: 1,
  [AutoModTriggerType.MEMBER_PROFILE]: 1,
};

export const AUTOMOD_LIMITS = {
  keywords: 1000,
  keywordLength: 60,
  regexPatterns: 10,
  regexLength: 260,
  /** allow_list of KEYWORD and MEMBER_PROFILE rules; KEYWORD_PRESET takes 1000. */
  allowList: 100,
  presetAllowList: 1000,
  mentionTotalLimit: 50,
  exemptRoles: 20,
  exemptChannels: 50,
  customMessage: 150,
  /** 4 weeks. */
  timeoutSeconds: 2_419_200,
} as const;
