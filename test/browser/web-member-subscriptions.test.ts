/**
 * The web client's member subscriptions in a large guild, in Chromium against a real Accord. Above IDENTIFY's
 * large_threshold (250 for the web client) a user session gets PRESENCE_UPDATE only for the members it subscribed
 * to with op 37 (and its friends and DM recipients), so the member list subscribes to the rows on screen, plus the
 * member whose profile is open, asks for the presences of newly shown members with op 8, ends the subscription
 * when the list closes, and subscribes again after a fresh IDENTIFY. A guild at or below the threshold sends none.
 *
 * The guild has 300 offline fillers written straight into the store (as test/integration/member-chunks.test.ts
 * does) besides Alice (owner, in the browser) and Bob (a raw gateway session, test/integration/gateway-client.ts).
 * Alice and Bob are neither friends nor in a DM, so only the subscription brings Alice Bob's presence. The frames
 * the page sends are read with Playwright's `websocket` events (the client sends plain JSON text; only the server's
 * frames are compressed). Every wait polls with a timeout, except two fixed waits past the client's 200 ms debounce:
 * that the small guild sends nothing, and that the subscription has settled before the socket is closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { addFillerMembers } from '../helpers/members.ts';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { GatewayClient } from '../integration/gateway-client.ts';

/** More than the web client's large_threshold (250): the guild is "large" for Alice's session. */
const FILLERS = 300;
/** Well past the client's 200 ms debounce and 1.5 s between subscriptions: whatever it would send by then has been sent. */
const QUIET_MS = 2_000;

// Every assert.ok here carries a message: without one, a failing assert.ok reads and parses this file to quote the
// expression, which takes seconds per retry of `eventually` (and blocks the server running in this process).

interface Sent {
  op: number;
  d: any;
  /** When the page sent it (ms). */
  at: number;
}

/**
 * Records the JSON payloads the page sends on its gateway sockets (from before the first one opens). The page also
 * stamps each send itself (`window.__sends`: op, whether it names members, Date.now()): Playwright's frame events
 * reach this process late and bunched when the machine is busy, so spacing is judged on the page's own clock.
 */
async function recordSent(page: Page): Promise<Sent[]> {
  // Awaited: a navigation that starts before the script is registered runs without it (seen once in a full run).
  await page.addInitScript(() => {
    const sends: Array<[number, boolean, number]> = ((window as any).__sends = []);
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      try {
        const p = JSON.parse(String(data));
        sends.push([p.op, Array.isArray(p.d?.user_ids), Date.now()]);
      } catch {}
      return send.call(this, data);
    };
  });
  const sent: Sent[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      if (typeof f.payload !== 'string') return;
      try {
        sent.push({ ...JSON.parse(f.payload), at: Date.now() });
      } catch {}
    }),
  );
  return sent;
}

/**
 * The client's floor between subscriptions: at most one op 37 and one op 8 every 1.5 s, 80 payloads a minute against
 * the gateway's 120. Timed on the page's clock (recordSent), since `since` (ms, that clock).
 */
async function assertSpaced(page: Page, since = 0) {
  const sends: Array<[number, boolean, number]> = await page.evaluate(() => (window as any).__sends);
  for (const op of [37, 8]) {
    // (op 8 for named members: the one asking for the whole list at GUILD_CREATE is not a subscription's.)
    const at = sends.filter(([o, named, t]) => o === op && (op === 37 || named) && t >= since).map(([, , t]) => t);
    for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= 1_450, `op ${op} ${at[i]! - at[i - 1]!} ms after the one before`);
  }
}

/** Each op 37 member list sent for the guild, oldest first. */
const subscriptions = (sent: Sent[], guildId: string): string[][] =>
  sent.filter((p) => p.op === 37 && p.d?.subscriptions?.[guildId]).map((p) => p.d.subscriptions[guildId].members);
const lastSubscription = (sent: Sent[], guildId: string): string[] | undefined => subscriptions(sent, guildId).at(-1);
/** The op 8 requests for named members (not the whole list) sent for the guild. */
const presenceRequests = (sent: Sent[], guildId: string) => sent.filter((p) => p.op === 8 && p.d?.guild_id === guildId && Array.isArray(p.d.user_ids)).map((p) => p.d);

describe('web client: member subscriptions in a large guild', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  /** Alice's fellow member of the small guild (not Bob: a presence from a guild they share would reach her anyway). */
  let carol: TestUser;
  let big: { id: string; channelId: string };
  let small: { id: string; channelId: string };
  let bobGw: GatewayClient;
  let a: Page;
  let sent: Sent[];
  /** The member list's last row: an offline filler, far below the fold. */
  let farId: string;

  const rows = (p: Page) => p.locator('.member-list [data-user-id]');
  const row = (p: Page, id: string) => p.locator(`.member-list [data-user-id="${id}"]`);
  const textChannel = async (guildId: string) => (await server.request('GET', `/guilds/${guildId}/channels`, { auth: alice })).body.find((c: any) => c.type === 0).id as string;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`alice_ms${stamp}`);
    bob = await server.register(`bob_ms${stamp}`);
    carol = await server.register(`carol_ms${stamp}`);

    const bigId = (await server.createGuild(alice, 'Big Guild')).id;
    await addFillerMembers(server.store, bigId, FILLERS);
    // Joining over REST after the fillers: GUILD_MEMBER_ADD has the guild's cached member count read again.
    await server.join(alice, bigId, bob);
    big = { id: bigId, channelId: await textChannel(bigId) };
    const smallId = (await server.createGuild(alice, 'Small Guild')).id;
    await server.join(alice, smallId, carol);
    small = { id: smallId, channelId: await textChannel(smallId) };
    const hello = await server.request('POST', `/channels/${big.channelId}/messages`, { auth: bob, body: { content: 'hello from bob' } });
    assert.equal(hello.status, 200, JSON.stringify(hello.body));

    bobGw = await GatewayClient.connect(server.url);
    await bobGw.identify(bob.token, { presence: { since: null, activities: [], status: 'online', afk: false } });

    a = await openAs(browser, alice);
    sent = await recordSent(a);
    await a.goto(`${server.url}/channels/${big.id}/${big.channelId}`);
    // The whole list: GUILD_CREATE of a large guild lists only those online, op 8 brings the rest.
    await eventually(async () => assert.equal(await rows(a).count(), FILLERS + 2), 'every member listed');
    farId = (await rows(a).last().getAttribute('data-user-id'))!;
  });

  after(async () => {
    await bobGw?.close();
    await browser?.close();
    await server?.close();
  });

  test('subscribes to the rows on screen, not to those far below; a visible member’s new status shows', async () => {
    assert.ok(![alice.id, bob.id].includes(farId), 'the last row is a filler');
    await eventually(async () => assert.equal(await row(a, bob.id).getAttribute('data-status'), 'online'), 'Bob listed online');
    const subscribed = await eventually(async () => {
      const list = lastSubscription(sent, big.id);
      assert.ok(list?.includes(bob.id), `op 37 names Bob: ${JSON.stringify(list)}`);
      return list!;
    }, 'op 37 with the visible rows');
    assert.ok(!subscribed.includes(farId), 'op 37 leaves out a row far off screen');
    assert.ok(subscribed.length < 60, `op 37 names only rows on screen, not all ${FILLERS + 2}: ${subscribed.length}`);
    // Newly subscribed members: their presences asked for (op 8, user_ids, presences), at most 100 per request.
    await eventually(async () => assert.ok(presenceRequests(sent, big.id).some((d) => d.user_ids.includes(bob.id) && d.presences === true), 'op 8 asks for Bob'), 'op 8 for Bob');
    assert.ok(presenceRequests(sent, big.id).every((d) => d.user_ids.length <= 100), 'at most 100 user_ids per op 8');

    // Bob changes status on his own connection: only the subscription brings it to Alice (server part).
    bobGw.send(3, { since: null, activities: [], status: 'dnd', afk: false });
    await eventually(async () => assert.equal(await row(a, bob.id).getAttribute('data-status'), 'dnd'), 'Bob shown dnd');
  });

  test('scrolling to the end subscribes to the rows now on screen and asks for their presences', async () => {
    await row(a, farId).scrollIntoViewIfNeeded();
    await eventually(async () => {
      const list = lastSubscription(sent, big.id) ?? [];
      assert.ok(list.includes(farId), `op 37 names the last row: ${JSON.stringify(list)}`);
      // The whole list each time: Bob's row is off screen now.
      assert.ok(!list.includes(bob.id), 'op 37 no longer names Bob');
    }, 'op 37 after scrolling');
    await eventually(async () => assert.ok(presenceRequests(sent, big.id).some((d) => d.user_ids.includes(farId) && d.presences === true), 'op 8 asks for the last row'), 'op 8 for the last row');
  });

  test('a scroll through the list that pauses past the debounce sends op 37 at most every 1.5 s (the gateway takes 120 payloads a minute)', async () => {
    const list = a.locator('aside.member-list');
    await list.evaluate((el) => el.scrollTo(0, 0));
    await a.waitForTimeout(QUIET_MS);
    const from = sent.length;
    const pageFrom = await a.evaluate(() => Date.now());
    // Each pause outlasts the client's 200 ms debounce: without a floor between sends, every step would send.
    for (let i = 0; i < 12; i++) {
      await list.evaluate((el) => el.scrollBy(0, 500));
      await a.waitForTimeout(400);
    }
    await a.waitForTimeout(QUIET_MS);
    const stamps = sent.slice(from).filter((p) => p.op === 37).map((p) => p.at);
    assert.ok(stamps.length >= 2, `op 37 sent while scrolling: ${stamps.length}`);
    await assertSpaced(a, pageFrom);
    // Back at the end, as the next test expects.
    await row(a, farId).scrollIntoViewIfNeeded();
    await eventually(async () => assert.ok(lastSubscription(sent, big.id)?.includes(farId), 'op 37 names the last row again'), 'back at the end');
  });

  test('the member whose profile is open is subscribed to as well', async () => {
    const hello = a.locator('.history .message', { hasText: 'hello from bob' });
    await hello.getByRole('button', { name: `Profile of ${bob.username}` }).click();
    await a.getByRole('dialog', { name: `Profile of ${bob.username}` }).waitFor();
    await eventually(async () => {
      const list = lastSubscription(sent, big.id);
      assert.ok(list?.includes(bob.id) && list.includes(farId), `op 37 names Bob and the rows on screen: ${JSON.stringify(list)}`);
    }, 'op 37 with the profile open');
    await a.keyboard.press('Escape');
    await eventually(async () => assert.ok(!lastSubscription(sent, big.id)?.includes(bob.id), 'op 37 still names Bob'), 'op 37 without Bob once the profile closes');
  });

  test('closing the member list ends the subscription', async () => {
    await a.getByRole('button', { name: 'Toggle member list' }).click();
    await a.locator('.member-list').waitFor({ state: 'detached' });
    await eventually(async () => assert.deepEqual(lastSubscription(sent, big.id), []), 'op 37 with members []');
    await a.getByRole('button', { name: 'Toggle member list' }).click();
    await eventually(async () => assert.ok(lastSubscription(sent, big.id)?.length, 'no op 37 with members yet'), 'subscribed again when the list opens');
  });

  test('a guild at or below the threshold sends no subscription', async () => {
    await a.goto(`${server.url}/channels/${small.id}/${small.channelId}`);
    await eventually(async () => assert.equal(await rows(a).count(), 2), 'the small guild listed');
    await row(a, carol.id).click();
    await a.getByRole('dialog', { name: `Profile of ${carol.username}` }).waitFor();
    // Nothing to wait for: give the debounce time to have fired had the client wanted to subscribe.
    await a.waitForTimeout(QUIET_MS);
    assert.equal(subscriptions(sent, small.id).length, 0);
    assert.equal(presenceRequests(sent, small.id).length, 0);
    await a.keyboard.press('Escape');
  });

  test('on a screen tall enough for every row, the subscription is cut to what one payload carries', async () => {
    // The gateway closes the socket (4002) on a client payload over 4096 bytes: about 180 ids.
    const page = await openAs(browser, alice, undefined, { width: 1280, height: 14_000 });
    const frames = await recordSent(page);
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await page.goto(`${server.url}/channels/${big.id}/${big.channelId}`);
    await eventually(async () => assert.equal(await rows(page).count(), FILLERS + 2), 'every member listed');
    await eventually(async () => assert.ok((lastSubscription(frames, big.id)?.length ?? 0) > 150, 'op 37 names fewer than 150'), 'op 37 with the rows on screen');
    for (const p of frames.filter((f) => f.op === 37 || f.op === 8)) assert.ok(JSON.stringify(p).length <= 4096, `a payload of ${JSON.stringify(p).length} bytes`);
    // More rows shown than one op 8 asks for (100): the rest follow in the next ones, spaced like the rest.
    const subscribedIds = lastSubscription(frames, big.id)!;
    await eventually(async () => {
      const asked = new Set(presenceRequests(frames, big.id).flatMap((d) => d.user_ids));
      assert.ok(subscribedIds.every((id) => asked.has(id)), `presences asked for ${asked.size} of ${subscribedIds.length}`);
    }, 'every subscribed member asked for');
    await assertSpaced(page);
    assert.ok(lastSubscription(frames, big.id)!.length < FILLERS, 'cut short of every row');
    // Still the first socket: the server did not close it.
    assert.equal(sockets, 1);
    await page.context().close();
  });

  test('after a fresh IDENTIFY (not a resume) the subscription is sent again', async () => {
    // A page of its own whose socket the test can close with 4009 (session timed out: the client identifies anew).
    const page = await openAs(browser, alice);
    const frames = await recordSent(page);
    let route: WebSocketRoute | undefined;
    await page.routeWebSocket(/\/gateway/, (ws) => {
      route = ws;
      ws.connectToServer();
    });
    await page.goto(`${server.url}/channels/${big.id}/${big.channelId}`);
    const identifies = () => frames.filter((p) => p.op === 2).length;
    await eventually(async () => assert.ok(lastSubscription(frames, big.id)?.includes(bob.id), 'no op 37 naming Bob yet'), 'first subscription');
    // Let the list settle (the client debounces 200 ms) before taking what the server holds.
    await page.waitForTimeout(QUIET_MS);
    const before = frames.length;
    const held = [...lastSubscription(frames, big.id)!].sort();
    assert.equal(identifies(), 1);

    await route!.close({ code: 4009, reason: 'session timed out' });
    await eventually(async () => assert.equal(identifies(), 2), 'a second IDENTIFY');
    await eventually(async () => {
      const after = frames.slice(before);
      assert.ok(after.every((p) => p.op !== 6), 'no RESUME after 4009');
      const identify = after.findIndex((p) => p.op === 2);
      const again = subscriptions(after.slice(identify + 1), big.id);
      assert.ok(again.length > 0, 'no op 37 after the new IDENTIFY yet');
      // The server lost the subscription with the old session: the same rows are on screen, and subscribed to again.
      assert.deepEqual([...again.at(-1)!].sort(), held);
    }, 'the subscription sent again');
    // And the server has it: Bob's next change of status reaches the new session.
    bobGw.send(3, { since: null, activities: [], status: 'idle', afk: false });
    await eventually(async () => assert.equal(await row(page, bob.id).getAttribute('data-status'), 'idle'), 'Bob shown idle');
    await page.context().close();
  });
});
