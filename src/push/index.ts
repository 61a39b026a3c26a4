/**
 * The push role: Web Push notifications for users who are not looking. The message write path records a
 * `push.message` job in the message's own transaction (api/messages/push-jobs.ts) and nothing else, so a slow,
 * failing or absent push role adds nothing to a send; jobs wait in the queue meanwhile.
 *
 * A job is decided once: the message is read (gone: nothing), the audience chosen by the user's notification
 * settings (audience.ts), users active on a live session dropped (activity.ts), and one delivery per device is
 * recorded in push_deliveries, keyed by (message, recipient, device): a job handled twice adds nothing.
 * Deliveries are then sent from that table by a loop on every push node, a group of `sendConcurrency` at a
 * time: the group is claimed in one statement (a lease, so two nodes never send one at once), each sent through
 * the PushSender, and the group settled in one transaction, each delivery only while its claim holds: sent; gone
 * (404/410: the device is deleted); failed (refused for good); retried with jittered exponential backoff
 * (ACCORD_PUSH_RETRY_BASE_MS, doubling, at most an hour) and dead-lettered after ACCORD_PUSH_MAX_ATTEMPTS tries.
 * Finished deliveries are forgotten after a day. A node dying mid-send leaves its claimed deliveries to be retried
 * after the lease, and a push whose answer was lost (reset, deadline) is sent again: at least once, and push
 * services collapse repeats of a channel's Topic (docs/push.md, "Delivered at least once"). Urgency (RFC 8030)
 * is high for a DM or a push naming the user, normal otherwise (a role, @everyone/@here, or a channel the user
 * hears in full).
 *
 * The role shares its process with request handling, so all of its work runs in slices paced by a Pacer
 * (pacer.ts): it yields to ready I/O between slices and slows to a trickle while the event loop is busy serving.
 */
import { Queues, consumeJobs, type PushMessageJob } from '../contracts/index.ts';
import type { Server as HttpServer } from 'node:http';
import type { Consumer } from '../bus/types.ts';
import type { RoleDeps, RoleStart, RunningRole } from '../contracts/role.ts';
import { parseAllowList } from '../media/ssrf.ts';
import type { Snowflake } from '../protocol/snowflake.ts';
import type { PushDeliveryOutcome, PushDeliveryRecord, PushDeviceRecord } from '../store/types.ts';
import { UserActivity } from './activity.ts';
import { decideAudience } from './audience.ts';
import { Pacer } from './pacer.ts';
import { privatePushPayload, pushPayload } from './payload.ts';
import type { PushResult, PushSender } from './push-sender.ts';
import { vapidKeys } from '../lib/vapid.ts';
import { WebPushSender } from './web-push-sender.ts';

export const PUSH_DEFAULTS = {
  /** Jobs one node decides at once. */
  concurrency: 4,
  /** Deliveries one node sends at once: a group, claimed and settled together. */
  sendConcurrency: 8,
  /** Deliveries read per pass of the send loop. */
  batch: 50,
  /** How often the send loop looks for due deliveries (besides right after a job). */
  pollMs: 1_000,
  /** One push try's deadline, all of it (resolving, the request, its retry on a new connection). */
  sendTimeoutMs: 10_000,
  /** Longest retry delay. */
  maxRetryMs: 3_600_000,
  /** Finished deliveries are kept this long (a job redelivered later still finds them). */
  keepMs: 86_400_000,
  /** Seconds a push service keeps a notification for an offline device. */
  ttlSeconds: 86_400,
} as const;

export interface PushRoleOptions {
  sender?: PushSender;
  /** The process's HTTP server: its requests tell the pacer the process is serving (pacer.ts). */
  server?: HttpServer;
}

export async function startPushRole(deps: RoleDeps, options: PushRoleOptions = {}): Promise<RunningRole> {
  const log = deps.log.child({ role: 'push' });
  const { store, config, now } = deps;
  const sender = options.sender ?? new WebPushSender(await vapidKeys(config, store, now), { allow: parseAllowList(config.pushAllowHosts), timeoutMs: PUSH_DEFAULTS.sendTimeoutMs });
  const activity = new UserActivity(deps.bus, { now, graceMs: config.pushActiveGraceMs, timeoutMs: config.roleTimeoutMs });
  const counts = { jobs: 0, done: 0, recipients: 0, skippedActive: 0, queued: 0, sent: 0, retries: 0, gone: 0, failed: 0, dead: 0 };
  const pacer = new Pacer();
  const onRequest = () => pacer.noteRequest();
  options.server?.on('request', onRequest);
  let closed = false;

  const handle = async (job: PushMessageJob) => {
    counts.jobs++;
    try {
      await decide(job);
    } finally {
      counts.done++;
    }
  };

  const decide = async (job: PushMessageJob) => {
    if (!job || typeof job.messageId !== 'string' || typeof job.channelId !== 'string' || typeof job.authorId !== 'string') return;
    await pacer.turn();
    job = { ...job, mentions: Array.isArray(job.mentions) ? job.mentions : [], mentionRoles: Array.isArray(job.mentionRoles) ? job.mentionRoles : [], everyone: job.everyone === true };
    const [message, channel] = await Promise.all([store.messages.get(job.channelId, job.messageId), store.channels.get(job.channelId)]);
    if (!message || !channel) return; // deleted before it was decided: nothing to announce
    const guild = channel.guildId ? await store.guilds.get(channel.guildId) : null;
    if (channel.guildId && !guild) return;

    const devices = (guild ? await store.pushDevices.listForGuildMembers(guild.id) : await store.pushDevices.listForUsers(await store.channels.listRecipients(channel.id)))
      .filter((d) => d.userId !== job.authorId);
    if (!devices.length) return;
    const here = job.everyone && /@here\b/.test(message.content) && !/@everyone\b/.test(message.content);
    await pacer.turn();
    const audience = await decideAudience(store, {
      job, channel, guild, here, now: now(), withDevices: new Set(devices.map((d) => d.userId)), present: (ids) => activity.present(ids),
    });
    const active = await activity.active(audience.map((a) => a.userId));
    const recipients = audience.filter((a) => !active.has(a.userId));
    counts.skippedActive += audience.length - recipients.length;
    counts.recipients += recipients.length;
    if (!recipients.length) return;

    // Both variants are built once per job; each delivery stores its device's, so a job handled twice adds nothing.
    await pacer.turn();
    const payload = JSON.stringify(pushPayload(message, channel, guild, await authorName(message, guild?.id ?? null)));
    const privatePayload = JSON.stringify(privatePushPayload(message, channel, guild));
    const at = now();
    const byUser = new Map(recipients.map((r) => [r.userId, r]));
    const deliveries: PushDeliveryRecord[] = devices
      .filter((d) => byUser.has(d.userId))
      .map((d) => ({
        messageId: message.id, userId: d.userId, deviceId: d.id, channelId: channel.id, payload: d.preview ? payload : privatePayload,
        urgency: byUser.get(d.userId)!.direct ? 'high' : 'normal', state: 'pending', attempts: 0, nextAttemptAt: at, createdAt: at,
      }));
    // Not `counts.queued += await …`: that reads the counter before the await, and two jobs handled at once lose
    // one's count (seen as push_deliveries_queued_total below push_sent_total).
    const added = await store.pushDeliveries.enqueue(deliveries);
    counts.queued += added;
    kick();
  };

  const authorName = async (message: { authorId: Snowflake; webhookAuthor?: { username: string } }, guildId: Snowflake | null) => {
    if (message.webhookAuthor) return message.webhookAuthor.username;
    const [user, member] = await Promise.all([store.users.get(message.authorId), guildId ? store.members.get(guildId, message.authorId) : null]);
    return member?.nick ?? user?.globalName ?? user?.username ?? 'Someone';
  };

  // --- sending --------------------------------------------------------------------------------------------------

  const backoff = (attempts: number, afterMs = 0) => {
    const base = Math.min(PUSH_DEFAULTS.maxRetryMs, config.pushRetryBaseMs * 2 ** Math.max(0, attempts - 1));
    // Jitter (half to full delay) spreads the retries of many devices of one failed push service.
    return Math.max(afterMs, Math.round(base * (0.5 + Math.random() / 2)));
  };

  /** One try of a claimed delivery: what to record (without the time of final states, set when settled). */
  type Tried = { delivery: PushDeliveryRecord; state: PushDeliveryOutcome['state']; attempts: number; retryAt?: number };

  const attempt = async (d: PushDeliveryRecord, device: PushDeviceRecord | undefined): Promise<Tried> => {
    const attempts = d.attempts + 1;
    // Unregistered or logged out meanwhile: nothing to send to.
    if (!device || device.userId !== d.userId) return { delivery: d, state: 'gone', attempts };
    await pacer.turn(); // the slice: encrypting and writing the request
    const result = await sender
      .send({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, d.payload, {
        ttl: PUSH_DEFAULTS.ttlSeconds, urgency: d.urgency ?? 'normal', topic: d.channelId,
      })
      .catch((err: Error): PushResult => ({ kind: 'retry', reason: err.message }));
    switch (result.kind) {
      case 'ok':
        counts.sent++;
        return { delivery: d, state: 'sent', attempts };
      case 'gone':
        counts.gone++;
        log.debug({ deviceId: device.id, status: result.status }, 'push subscription expired; device removed');
        await store.pushDevices.deleteById(device.id);
        return { delivery: d, state: 'gone', attempts };
      case 'fail':
        counts.failed++;
        log.warn({ deviceId: device.id, reason: result.reason }, 'push refused');
        return { delivery: d, state: 'failed', attempts };
      case 'retry':
        if (attempts >= config.pushMaxAttempts) {
          counts.dead++;
          log.warn({ deviceId: device.id, messageId: d.messageId, attempts, reason: result.reason }, 'push dead-lettered');
          return { delivery: d, state: 'dead', attempts };
        }
        counts.retries++;
        return { delivery: d, state: 'pending', attempts, retryAt: now() + backoff(attempts, result.afterMs) };
    }
  };

  /** Claims a group of due deliveries at once, sends them side by side, settles them in one transaction. */
  const sendGroup = async (group: PushDeliveryRecord[]) => {
    await pacer.turn();
    // The lease outlasts the group's tries (each bounded by sendTimeoutMs) with room for pacing and the settle, so
    // no other node takes a delivery while its try is in flight. Those not claimed: another node has them.
    const leaseUntil = now() + PUSH_DEFAULTS.sendTimeoutMs * 3;
    const claimed = await store.pushDeliveries.claimMany(group, leaseUntil);
    if (!claimed.length) return;
    const devices = new Map((await store.pushDevices.getMany(claimed.map((d) => d.deviceId))).map((d) => [d.id, d]));
    const tried = await Promise.all(claimed.map((d) => attempt(d, devices.get(d.deviceId)).catch((err): Tried => {
      log.error({ err, messageId: d.messageId }, 'push delivery failed');
      return { delivery: d, state: 'pending', attempts: d.attempts + 1, retryAt: now() + backoff(d.attempts + 1) };
    })));
    await pacer.turn();
    const at = now();
    // Settled only while this claim holds (the lease identifies it): a group slower than its lease was taken again
    // by another node, whose claim and outcome stand; ours were another try of an at-least-once delivery.
    const settled = await store.pushDeliveries.settleMany(tried.map((t) => ({ delivery: t.delivery, leaseUntil, state: t.state, attempts: t.attempts, nextAttemptAt: t.retryAt ?? at })));
    if (settled < tried.length) log.debug({ lapsed: tried.length - settled, leaseUntil }, 'push claims lapsed before settling; outcomes dropped');
  };

  let running: Promise<void> | null = null;
  let again = false;
  const pass = async () => {
    do {
      again = false;
      await pacer.turn();
      const due = await store.pushDeliveries.due(now(), PUSH_DEFAULTS.batch);
      for (let i = 0; i < due.length && !closed; i += PUSH_DEFAULTS.sendConcurrency) {
        await sendGroup(due.slice(i, i + PUSH_DEFAULTS.sendConcurrency)).catch((err) => log.error({ err }, 'push delivery group failed'));
      }
      if (due.length === PUSH_DEFAULTS.batch) again = true;
    } while (again && !closed);
  };
  const kick = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((err) => log.error({ err }, 'push send loop failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(kick, Math.min(PUSH_DEFAULTS.pollMs, config.pushRetryBaseMs));
  timer.unref();
  const pruneTimer = setInterval(() => {
    store.pushDeliveries.prune(now() - PUSH_DEFAULTS.keepMs).catch((err) => log.error({ err }, 'push delivery prune failed'));
  }, 3_600_000);
  pruneTimer.unref();

  const consumer: Consumer = await consumeJobs(deps.bus, Queues.pushMessage, handle, { concurrency: PUSH_DEFAULTS.concurrency });
  kick();
  log.debug('push role started');

  return {
    name: 'push',
    ready: () => !closed,
    metrics: () => [
      { name: 'push_jobs_total', help: 'push.message jobs taken from the queue', type: 'counter', value: counts.jobs },
      { name: 'push_jobs_done_total', help: 'push.message jobs decided (deliveries queued, none needed, or failed)', type: 'counter', value: counts.done },
      { name: 'push_recipients_total', help: 'Users chosen to be notified', type: 'counter', value: counts.recipients },
      { name: 'push_skipped_active_total', help: 'Users not notified because they were active on a live session', type: 'counter', value: counts.skippedActive },
      { name: 'push_deliveries_queued_total', help: 'Deliveries (message, user, device) recorded', type: 'counter', value: counts.queued },
      { name: 'push_sent_total', help: 'Pushes accepted by the push service', type: 'counter', value: counts.sent },
      { name: 'push_retries_total', help: 'Push tries that failed and were scheduled again', type: 'counter', value: counts.retries },
      { name: 'push_gone_total', help: 'Push subscriptions found expired (404/410) and removed', type: 'counter', value: counts.gone },
      { name: 'push_failed_total', help: 'Pushes refused for good (endpoint refused, 4xx)', type: 'counter', value: counts.failed },
      { name: 'push_dead_total', help: 'Pushes dead-lettered after the last try', type: 'counter', value: counts.dead },
      { name: 'push_paced_total', help: 'Push work slices held back because the process was busy serving', type: 'counter', value: pacer.paused },
    ],
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearInterval(pruneTimer);
      pacer.close();
      options.server?.off('request', onRequest);
      await consumer.stop();
      await running;
      activity.close();
      sender.close?.();
    },
  };
}

/** The process starts the role through this (src/roles.ts). */
export const start: RoleStart = (deps) => startPushRole(deps, { server: deps.http.server });
