/**
 * Scheduled events in the web client, in Chromium against a real Accord: the owner opens Events from the server
 * menu, creates an event somewhere else; a member sees it, marks it Interested (the count follows) and has no
 * Create Event or manage buttons; the owner starts it, ends it (it leaves the list) and deletes another. A stage
 * event started from here opens its stage, and ending it closes the stage.
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: scheduled events', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`host_${stamp}`);
    bob = await server.register(`guest_${stamp}`);
    guild = await server.createGuild(alice, 'Gatherings');
    await server.join(alice, guild.id, bob);
    general = ((await server.request('GET', `/guilds/${guild.id}/channels`, { auth: alice })).body as any[]).find((c) => c.type === 0);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const openEvents = async (page: Page) => {
    await page.getByRole('button', { name: 'Gatherings server menu' }).click();
    await page.getByRole('menuitem', { name: 'Events' }).click();
    return page.getByRole('dialog', { name: 'Events' });
  };

  test('create an event; a member marks it Interested; the owner starts and ends it', async () => {
    const a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    const events = await openEvents(a);
    await events.getByText('No upcoming events.', { exact: false }).waitFor();
    await events.getByRole('button', { name: 'Create Event' }).click();
    const form = events.getByRole('form', { name: 'Create Event' });
    await form.getByLabel('Location').fill('The old oak');
    await form.getByLabel('Event topic').fill('Board games');
    await form.getByLabel('Description').fill('Bring your favourite game.');
    await form.getByRole('button', { name: 'Schedule Event' }).click();
    const card = events.getByRole('listitem', { name: 'Board games' });
    await card.waitFor();
    assert.match(await card.innerText(), /The old oak/);
    assert.match(await card.innerText(), /Bring your favourite game\./);
    assert.match(await card.getByTestId('interested-count').innerText(), /^0 interested$/);
    const [stored] = (await server.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: alice })).body as any[];
    assert.deepEqual([stored.name, stored.entity_type, stored.entity_metadata, stored.creator_id], ['Board games', 3, { location: 'The old oak' }, alice.id]);
    assert.ok(Date.parse(stored.scheduled_start_time) > Date.now());

    // Bob: no Create Event, no manage buttons; Interested toggles and counts.
    const b = await openAs(browser, bob, `${server.url}/channels/${guild.id}/${general.id}`);
    const bobEvents = await openEvents(b);
    const bobCard = bobEvents.getByRole('listitem', { name: 'Board games' });
    await bobCard.waitFor();
    assert.equal(await bobEvents.getByRole('button', { name: 'Create Event' }).count(), 0);
    assert.equal(await bobCard.getByRole('button', { name: 'Start' }).count(), 0);
    const interested = bobCard.getByRole('button', { name: 'Interested' });
    assert.equal(await interested.getAttribute('aria-pressed'), 'false');
    await interested.click();
    await eventually(async () => assert.equal(await interested.getAttribute('aria-pressed'), 'true'), 'interested');
    await eventually(async () => assert.match(await bobCard.getByTestId('interested-count').innerText(), /^1 interested$/), 'the count');
    const users = (await server.request('GET', `/guilds/${guild.id}/scheduled-events/${stored.id}/users`, { auth: bob })).body as any[];
    assert.deepEqual(users.map((u) => u.user.id), [bob.id]);
    // Reopened, it still shows Bob as interested (read from the users list).
    await bobEvents.getByRole('button', { name: 'Close' }).click();
    const again = await openEvents(b);
    await eventually(async () => assert.equal(await again.getByRole('listitem', { name: 'Board games' }).getByRole('button', { name: 'Interested' }).getAttribute('aria-pressed'), 'true'), 'still interested');

    // Alice starts it, then ends it: it leaves the upcoming list.
    await card.getByRole('button', { name: 'Start' }).click();
    await eventually(async () => assert.match(await card.innerText(), /Happening now/), 'started');
    await card.getByRole('button', { name: 'End Event' }).click();
    await card.waitFor({ state: 'detached' });
    assert.equal(((await server.request('GET', `/guilds/${guild.id}/scheduled-events/${stored.id}`, { auth: alice })).body).status, 3);
    await a.context().close();
    await b.context().close();
  });

  test('a voice channel event, then Delete', async () => {
    const a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    const events = await openEvents(a);
    await events.getByRole('button', { name: 'Create Event' }).click();
    const form = events.getByRole('form', { name: 'Create Event' });
    await form.getByLabel('Voice channel').check();
    await form.getByLabel('Event topic').fill('Voice hangout');
    await form.getByRole('button', { name: 'Schedule Event' }).click();
    const card = events.getByRole('listitem', { name: 'Voice hangout' });
    await card.waitFor();
    assert.match(await card.innerText(), /General/);
    const listed = (await server.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: alice })).body as any[];
    const voice = listed.find((e) => e.name === 'Voice hangout');
    assert.equal(voice.entity_type, 2);
    assert.ok(voice.channel_id);
    await card.getByRole('button', { name: 'Delete Voice hangout' }).click();
    await card.waitFor({ state: 'detached' });
    assert.equal((await server.request('GET', `/guilds/${guild.id}/scheduled-events/${voice.id}`, { auth: alice })).status, 404);
    await a.context().close();
  });

  test('a stage event in a stage channel', async () => {
    const stage = (await server.request('POST', `/guilds/${guild.id}/channels`, { auth: alice, body: { name: 'Main Stage', type: 13 } })).body;
    const a = await openAs(browser, alice, `${server.url}/channels/${guild.id}/${general.id}`);
    const events = await openEvents(a);
    await events.getByRole('button', { name: 'Create Event' }).click();
    const form = events.getByRole('form', { name: 'Create Event' });
    await form.getByLabel('Stage channel').check();
    assert.equal(await form.getByRole('combobox').inputValue(), stage.id);
    await form.getByLabel('Event topic').fill('Keynote');
    await form.getByRole('button', { name: 'Schedule Event' }).click();
    const card = events.getByRole('listitem', { name: 'Keynote' });
    await card.waitFor();
    assert.match(await card.innerText(), /Main Stage/);
    const listed = (await server.request('GET', `/guilds/${guild.id}/scheduled-events`, { auth: alice })).body as any[];
    const keynote = listed.find((e) => e.name === 'Keynote');
    assert.deepEqual([keynote.entity_type, keynote.channel_id], [1, stage.id]);

    // Starting it opens the stage with the event; ending the event closes the stage.
    await card.getByRole('button', { name: 'Start' }).click();
    await card.getByText('Happening now').waitFor();
    const live = (await server.request('GET', `/stage-instances/${stage.id}`, { auth: alice })).body;
    assert.deepEqual([live.topic, live.guild_scheduled_event_id], ['Keynote', keynote.id]);
    await card.getByRole('button', { name: 'End Event' }).click();
    await card.waitFor({ state: 'detached' });
    assert.equal((await server.request('GET', `/stage-instances/${stage.id}`, { auth: alice })).body.code, 10067);
    await a.context().close();
  });
});
