/** Discord's guild scheduled event statuses and entity types (https://discord.com/developers/docs/resources/guild-scheduled-event). */
export const EventStatus = { SCHEDULED: 1, ACTIVE: 2, COMPLETED: 3, CANCELED: 4 } as const;
export const EventEntityType = { STAGE_INSTANCE: 1, VOICE: 2, EXTERNAL: 3 } as const;

/** An event still to come or running: what GUILD_CREATE lists and the 100-event limit counts. */
export const isUpcoming = (status: number): boolean => status === EventStatus.SCHEDULED || status === EventStatus.ACTIVE;
