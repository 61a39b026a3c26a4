/** Discord's message types (the `type` of a message object) that Accord stores. */
export const MessageType = {
  DEFAULT: 0,
  CHANNEL_NAME_CHANGE: 4,
  CHANNEL_PINNED_MESSAGE: 6,
  USER_JOIN: 7,
  CHANNEL_FOLLOW_ADD: 12,
  THREAD_CREATED: 18,
  REPLY: 19,
  CHAT_INPUT_COMMAND: 20,
  THREAD_STARTER_MESSAGE: 21,
  CONTEXT_MENU_COMMAND: 23,
  AUTO_MODERATION_ACTION: 24,
  POLL_RESULT: 46,
} as const;
