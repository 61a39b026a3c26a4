/** Discord's thread limits, shared by the api role (which enforces them) and the guild and sessions roles (which send threads). */

/** Discord's maximum number of active threads in one guild (160006 Maximum number of active threads reached beyond). */
export const MAX_ACTIVE_THREADS = 1000;
