/**
 * Discord's gateway admission windows, shared by the sessions role (which enforces them) and the api role
 * (GET /gateway/bot reports them). The amounts are settings: ACCORD_IDENTIFY_MAX_CONCURRENCY (max_concurrency) and
 * ACCORD_SESSION_START_LIMIT (session_start_limit.total).
 */

/** Bots may IDENTIFY max_concurrency times per this window. */
export const IDENTIFY_WINDOW_MS = 5_000;

/** A bot's session starts are counted per this window, which begins at its first IDENTIFY (RESUMEs do not count). */
export const SESSION_START_WINDOW_MS = 24 * 60 * 60 * 1000;
