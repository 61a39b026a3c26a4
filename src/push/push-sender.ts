/**
 * The push gateway: one notification to one device. The push role only sees this interface, so other push
 * services plug in as further implementations next to web-push-sender.ts, chosen by the device's `provider`:
 * - APNs (Apple): an HTTP/2 POST to api.push.apple.com/3/device/<token> with a provider JWT (ES256, key id and
 *   team id from settings); `apns-expiration` is the TTL, `apns-priority` 10/5 the urgency, `apns-collapse-id`
 *   the topic; 410 Unregistered → gone, 429/5xx → retry, other 4xx → fail.
 * - FCM (Android): POST to fcm.googleapis.com/v1/projects/<id>/messages:send with an OAuth token of a service
 *   account; `android.ttl`, `android.priority` and `android.collapse_key` carry TTL, urgency and topic;
 *   404 UNREGISTERED → gone, 429/503 → retry. (Android Chrome is served by Web Push already.)
 * Their device tokens would be registered through the same POST /users/@me/devices with provider "apns"/"fcm".
 */

/** Where a Web Push goes: the browser's PushSubscription (endpoint and keys). */
export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';

export interface PushSendOptions {
  /** Seconds the push service keeps the message for an offline device. */
  ttl: number;
  urgency: PushUrgency;
  /** Messages with the same topic replace each other while undelivered (base64url, at most 32 characters). */
  topic?: string;
}

/**
 * ok: the push service took it. gone: the subscription expired (404/410), delete the device. retry: try again
 * later (5xx, 429, timeouts, network errors; `afterMs` from Retry-After). fail: this message will never go
 * (refused endpoint, 4xx); the device stays.
 */
export type PushResult =
  | { kind: 'ok' }
  | { kind: 'gone'; status: number }
  | { kind: 'retry'; reason: string; afterMs?: number }
  | { kind: 'fail'; reason: string };

export interface PushSender {
  send(target: PushTarget, payload: string, options: PushSendOptions): Promise<PushResult>;
  /** Lets go of kept-alive connections (the role is closing). */
  close?(): void;
}
