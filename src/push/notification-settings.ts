/**
 * A user's notification settings (Discord's user guild settings): defined on the store floor, where the store, the
 * shapes and the api role can use them too (test/unit/layers.test.ts); re-exported here for the push role.
 */
export * from '../store/notification-settings.ts';
