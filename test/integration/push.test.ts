/**
 * The push role end to end: browsers are subscriptions on a local Web Push service (helpers/web-push-receiver.ts,
 * allow-listed through ACCORD_PUSH_ALLOW_HOSTS) that checks each push's VAPID token and decrypts its body.
 *
 * Negative cases ("gets nothing") are checked against a control user who gets every message of the channel: a
 * message's deliveries are all recorded at once, so once the control user's push arrived and the role has no
 * delivery outstanding (queued = sent + gone + failed + dead), any push for the user checked would have arrived.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { waitFor } from '../helpers/services.ts';
import { WebPushReceiver, type ReceiverSubscription } from '../helpers/web-push-receiver.ts';
import { GatewayClient } from './gateway-client.ts';

function metric(t: TestServer, name: string): number {
  const role = t.server.roles.find((r) => r.name === 'push')!;
  return role.metrics!().find((m) => m.name === name)!.value;
}

/** Every recorded delivery has reached a final state. */
async function idle(t: TestServer) {
  await waitFor(() => metric(t, 'push_deliveries_queued_total') === metric(t, 'push_sent_total') + metric(t, 'push_gone_total') + metric(t, 'push_failed_total') + metric(t, 'push_dead_total'), { what: 'push deliveries settled', timeoutMs: 10_000 });
}

const pushesOf = (sub: ReceiverSubscription, messageId: string) => sub.received.filter((r) => r.payload.url.endsWith(`/${messageId}`));

async function arrived(sub: ReceiverSubscription, messageId: string) {
  return waitFor(() => pushesOf(sub, messageId)[0], { what: `push of ${messageId}`, timeoutMs: 10_000 });
}

describe('push role', () => {
  let t: TestServer;
  let push: WebPushReceiver;
  let owner: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let zed: TestUser;
  let guildId: string;
  let channelId: string;
  const subs: Record<string, ReceiverSubscription> = {};

  const send = async (author: TestUser, content: string, channel = channelId) => {
    const res = await t.request('POST', `/channels/${channel}/messages`, { auth: author, body: { content } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const register = async (user: TestUser, sub: ReceiverSubscription, deviceName?: string) => {
    const res = await t.request('POST', '/users/@me/devices', { auth: user, body: { provider: 'webpush', token: sub.endpoint, keys: sub.keys, ...(deviceName ? { device_name: deviceName } : {}) } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const settings = async (user: TestUser, body: Record<string, unknown>, guild = guildId) => {
    const res = await t.request('PATCH', `/users/@me/guilds/${guild}/settings`, { auth: user, body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  /** Sends `content`; the control user zed gets it; returns the message id once every delivery settled. */
  const sendAndSettle = async (author: TestUser, content: string) => {
    const id = await send(author, content);
    await arrived(subs.zed!, id);
    await idle(t);
    return id;
  };

  before(async () => {
    push = await WebPushReceiver.start();
    t = await startTestServer({ pushAllowHosts: ['127.0.0.1'], pushRetryBaseMs: 50, pushActiveGraceMs: 0 });
    [owner, bob, carol, zed] = await Promise.all([t.register(), t.register(), t.register(), t.register()]);
    const guild = await t.createGuild(owner, 'Push Guild');
    guildId = guild.id;
    for (const u of [bob, carol, zed]) await t.join(owner, guildId, u);
    const channels = await t.request('GET', `/guilds/${guildId}/channels`, { auth: owner });
    channelId = channels.body.find((c: any) => c.type === 0).id;
    // Mentions only, unless a user says otherwise; zed hears everything.
    assert.equal((await t.request('PATCH', `/guilds/${guildId}`, { auth: owner, body: { default_message_notifications: 1 } })).status, 200);
    await settings(zed, { message_notifications: 0 });
    for (const [name, user] of [['bob', bob], ['carol', carol], ['zed', zed]] as const) {
      subs[name] = push.subscribe();
      await register(user, subs[name]!);
    }
  });

  after(async () => {
    await t?.close();
    await push?.close();
  });

  it('serves the VAPID key, and registers, updates, lists and deletes devices', async () => {
    const vapid = await t.request('GET', '/users/@me/push/vapid', { auth: bob });
    assert.equal(vapid.status, 200);
    assert.equal(Buffer.from(vapid.body.public_key, 'base64url').length, 65);

    const sub = push.subscribe();
    const first = await register(carol, sub, 'Laptop');
    assert.deepEqual(Object.keys(first).sort(), ['created_at', 'device_name', 'id', 'preview', 'provider']);
    assert.equal(first.provider, 'webpush');
    assert.equal(first.preview, true);
    assert.equal(first.device_name, 'Laptop');
    const again = await register(carol, { ...sub, keys: push.subscribe().keys }, 'Laptop (renamed)');
    assert.equal(again.id, first.id);
    const listed = await t.request('GET', '/users/@me/devices', { auth: carol });
    assert.deepEqual(listed.body.map((d: any) => d.id).filter((id: string) => id === first.id), [first.id]);
    assert.equal(listed.body.length, 2);

    const plain = await t.request('POST', '/users/@me/devices', { auth: carol, body: { provider: 'webpush', token: 'http://push.example.com/x', keys: sub.keys } });
    assert.equal(plain.status, 400);
    assert.ok(plain.body.errors.token);

    assert.equal((await t.request('DELETE', `/users/@me/devices/${first.id}`, { auth: bob })).status, 404);
    assert.equal((await t.request('DELETE', `/users/@me/devices/${first.id}`, { auth: carol })).status, 204);
    assert.equal((await t.request('DELETE', `/users/@me/devices/${first.id}`, { auth: carol })).status, 404);
  });

  it('pushes a mention, signed and encrypted, with TTL, urgency, topic and the payload', async () => {
    const plain = await sendAndSettle(owner, 'nothing for bob here');
    assert.deepEqual(pushesOf(subs.bob!, plain), []);
    const id = await send(owner, `hello <@${bob.id}>`);
    const got = await arrived(subs.bob!, id);
    const vapid = await t.request('GET', '/users/@me/push/vapid', { auth: bob });
    assert.equal(got.vapidKey, vapid.body.public_key);
    assert.equal(got.topic, channelId);
    assert.equal(got.urgency, 'high');
    assert.ok(Number(got.ttl) > 0);
    assert.equal(got.payload.url, `/channels/${guildId}/${channelId}/${id}`);
    assert.equal(got.payload.tag, channelId);
    assert.equal(got.payload.body, `hello <@${bob.id}>`);
    assert.match(got.payload.title, /Push Guild/);
    assert.deepEqual(pushesOf(subs.zed!, plain).length, 1);
    assert.equal(pushesOf(subs.zed!, plain)[0]!.urgency, 'normal', 'a message zed hears only because he follows everything');
    assert.deepEqual(push.errors, []);
  });

  it('pushes a role mention to its holders', async () => {
    const role = await t.request('POST', `/guilds/${guildId}/roles`, { auth: owner, body: { name: 'pinged', mentionable: true } });
    assert.equal((await t.request('PUT', `/guilds/${guildId}/members/${bob.id}/roles/${role.body.id}`, { auth: owner })).status, 204);
    const id = await send(owner, `role <@&${role.body.id}>`);
    assert.equal((await arrived(subs.bob!, id)).urgency, 'normal', 'a role mention is not addressed to bob alone');
    await idle(t);
    assert.deepEqual(pushesOf(subs.carol!, id), [], 'carol lacks the role');
  });

  it('pushes @everyone, except to users who suppress it', async () => {
    await settings(bob, { suppress_everyone: true });
    const id = await sendAndSettle(owner, '@everyone listen');
    assert.equal(pushesOf(subs.carol!, id).length, 1);
    assert.equal(pushesOf(subs.carol!, id)[0]!.urgency, 'normal');
    assert.deepEqual(pushesOf(subs.bob!, id), []);
    await settings(bob, { suppress_everyone: false });
  });

  it('pushes every DM to the other recipient', async () => {
    const dm = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: carol.id } });
    const id = await send(owner, 'psst', dm.body.id);
    const got = await arrived(subs.carol!, id);
    assert.equal(got.payload.url, `/channels/@me/${dm.body.id}/${id}`);
    assert.equal(got.payload.body, 'psst');
    assert.equal(got.urgency, 'high');
  });

  it('sets Urgency by whom the message is for: a reply that pings its author is high, one that does not is normal', async () => {
    const original = await send(bob, 'a question');
    const pinged = await t.request('POST', `/channels/${channelId}/messages`, { auth: owner, body: { content: 'an answer', message_reference: { message_id: original } } });
    assert.equal(pinged.status, 200, JSON.stringify(pinged.body));
    assert.equal((await arrived(subs.bob!, pinged.body.id)).urgency, 'high');
    assert.equal((await arrived(subs.zed!, pinged.body.id)).urgency, 'normal', 'zed only follows the channel');
    const quiet = await t.request('POST', `/channels/${channelId}/messages`, {
      auth: owner, body: { content: 'another answer', message_reference: { message_id: original }, allowed_mentions: { replied_user: false } },
    });
    assert.equal(quiet.status, 200, JSON.stringify(quiet.body));
    await arrived(subs.zed!, quiet.body.id);
    await idle(t);
    assert.deepEqual(pushesOf(subs.bob!, quiet.body.id), [], 'bob hears mentions only, and was not pinged');
  });

  it('a device that hides message text gets a generic push; the same user\'s other device gets the preview', async () => {
    const hidden = push.subscribe();
    const device = await register(carol, hidden, 'Phone');
    assert.equal((await t.request('PATCH', `/users/@me/devices/${device.id}`, { auth: bob, body: { preview: false } })).status, 404, 'only the owner');
    const unknown = await t.request('PATCH', '/users/@me/devices/1', { auth: carol, body: { preview: false } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 0);
    assert.equal((await t.request('PATCH', `/users/@me/devices/${device.id}`, { auth: carol, body: { preview: 'no' } })).status, 400);
    const patched = await t.request('PATCH', `/users/@me/devices/${device.id}`, { auth: carol, body: { preview: false } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.preview, false);
    // The browser registers itself again on every start: without `preview` its choice stays.
    assert.equal((await register(carol, hidden, 'Phone')).preview, false);
    const listed = await t.request('GET', '/users/@me/devices', { auth: carol });
    assert.equal(listed.body.find((d: any) => d.id === device.id).preview, false);

    const id = await send(owner, `secret plans <@${carol.id}>`);
    const generic = await arrived(hidden, id);
    assert.deepEqual(generic.payload, { title: 'Accord', body: 'New message', url: `/channels/${guildId}/${channelId}/${id}`, tag: channelId });
    const full = await arrived(subs.carol!, id);
    assert.equal(full.payload.body, `secret plans <@${carol.id}>`);
    assert.match(full.payload.title, /Push Guild/);

    const dm = await t.request('POST', '/users/@me/channels', { auth: owner, body: { recipient_id: carol.id } });
    const dmId = await send(owner, 'dm secret', dm.body.id);
    assert.deepEqual((await arrived(hidden, dmId)).payload, { title: 'Accord', body: 'New direct message', url: `/channels/@me/${dm.body.id}/${dmId}`, tag: dm.body.id });
    assert.equal((await arrived(subs.carol!, dmId)).payload.body, 'dm secret');
    assert.equal((await t.request('DELETE', `/users/@me/devices/${device.id}`, { auth: carol })).status, 204);
  });

  it('a muted guild gets no push but mentions (Discord: muting hides notifications unless you are mentioned)', async () => {
    await settings(bob, { message_notifications: 0, muted: true, mute_config: { selected_time_window: -1, end_time: null } });
    const quiet = await sendAndSettle(owner, 'muted guild chatter');
    assert.deepEqual(pushesOf(subs.bob!, quiet), []);
    const mention = await send(owner, `<@${bob.id}> still`);
    await arrived(subs.bob!, mention);
    await settings(bob, { muted: false, mute_config: null });
    const heard = await send(owner, 'unmuted chatter');
    await arrived(subs.bob!, heard);
  });

  it('a channel muted until a time gets nothing until then', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await settings(bob, { channel_overrides: { [channelId]: { channel_id: channelId, muted: true, mute_config: { selected_time_window: 3600, end_time: until } } } });
    const quiet = await sendAndSettle(owner, 'muted channel chatter');
    assert.deepEqual(pushesOf(subs.bob!, quiet), []);
    const ended = new Date(Date.now() - 1000).toISOString();
    await settings(bob, { channel_overrides: { [channelId]: { channel_id: channelId, muted: true, mute_config: { selected_time_window: 3600, end_time: ended } } } });
    const heard = await send(owner, 'mute has ended');
    await arrived(subs.bob!, heard);
    await settings(bob, { message_notifications: 3, channel_overrides: {} });
  });

  it('a user active on a live session gets nothing; the author never does', async () => {
    const gw = await GatewayClient.connect(t.url);
    try {
      const from = t.events.length;
      await gw.identify(carol.token, { presence: { status: 'online', since: null, activities: [], afk: false } });
      await t.waitForEvent('PRESENCE_UPDATE', (e) => e.d?.user?.id === carol.id && e.d?.status === 'online', from);
      const skipped = metric(t, 'push_skipped_active_total');
      const id = await sendAndSettle(owner, `<@${carol.id}> are you there`);
      assert.deepEqual(pushesOf(subs.carol!, id), []);
      assert.equal(metric(t, 'push_skipped_active_total'), skipped + 1);
      const own = await send(zed, `talking to myself <@${zed.id}>, cc <@${bob.id}>`);
      await arrived(subs.bob!, own);
      await idle(t);
      assert.deepEqual(pushesOf(subs.zed!, own), []);
    } finally {
      await gw.close();
    }
  });

  it('a 410 removes the subscription; logging out removes the token\'s devices', async () => {
    const dying = push.subscribe();
    dying.status = 410;
    const device = await register(bob, dying);
    const gone = metric(t, 'push_gone_total');
    await send(owner, `<@${bob.id}> one more`);
    await waitFor(() => metric(t, 'push_gone_total') > gone, { what: 'subscription gone' });
    const listed = await t.request('GET', '/users/@me/devices', { auth: bob });
    assert.ok(!listed.body.some((d: any) => d.id === device.id));

    const login = await t.request('POST', '/auth/login', { body: { login: bob.username, password: 'correct horse battery staple' } });
    assert.equal(login.status, 200);
    const phone = await register({ ...bob, token: login.body.token, auth: login.body.token }, push.subscribe());
    assert.equal((await t.request('POST', '/auth/logout', { auth: login.body.token, body: {} })).status, 204);
    const after = await t.request('GET', '/users/@me/devices', { auth: bob });
    assert.ok(!after.body.some((d: any) => d.id === phone.id));
  });

  it('a push service outage: sends succeed meanwhile, each push arrives once afterwards', async () => {
    subs.bob!.status = 500;
    const retries = metric(t, 'push_retries_total');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await send(owner, `<@${bob.id}> during outage ${i}`));
    await waitFor(() => subs.bob!.refused >= 3 && metric(t, 'push_retries_total') >= retries + 3, { what: 'failed tries', timeoutMs: 10_000 });
    subs.bob!.status = 201;
    for (const id of ids) await arrived(subs.bob!, id);
    await idle(t);
    for (const id of ids) assert.equal(pushesOf(subs.bob!, id).length, 1, `one push of ${id}`);
    assert.deepEqual(push.errors, []);
  });
});
