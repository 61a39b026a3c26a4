/**
 * Stage channels in the web client, in Chromium against a real Accord: the owner creates a Stage channel in Server
 * Settings → Channels, starts a stage with a topic, edits the topic and ends it; a member watching the channel sees
 * it go live (the sidebar says so too), follows the topic and is offered none of the moderator's buttons.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

describe('web client: stage channels', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let guild: any;
  let general: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    owner = await server.register(`host_${Date.now().toString(36)}`);
    member = await server.register(`guest_${Date.now().toString(36)}`);
    guild = await server.createGuild(owner, 'Stage Club');
    await server.join(owner, guild.id, member);
    general = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.type === 0);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('create a stage channel, start, retitle and end a stage; a member follows it live without the controls', async () => {
    const a = await openAs(browser, owner, `${server.url}/channels/${guild.id}/${general.id}`);
    await a.getByRole('button', { name: 'Stage Club server menu' }).click();
    await a.getByRole('menuitem', { name: 'Server Settings' }).click();
    const settings = a.getByRole('dialog', { name: /Server Settings/ });
    await settings.getByRole('tab', { name: 'Channels' }).click();
    await settings.getByLabel('New channel name').fill('Town Hall');
    await settings.getByLabel('Type').selectOption({ label: 'Stage' });
    await settings.getByRole('button', { name: 'Create Channel' }).click();
    const link = a.getByRole('link', { name: /^stage channel Town Hall/ });
    await link.waitFor();
    const stage = (await server.request('GET', `/guilds/${guild.id}/channels`, { auth: owner })).body.find((c: any) => c.name === 'Town Hall');
    assert.equal(stage.type, 13);

    const b = await openAs(browser, member, `${server.url}/channels/${guild.id}/${stage.id}`);
    const memberBar = b.getByRole('region', { name: 'Stage', exact: true });
    await memberBar.getByText('This stage is not live.').waitFor();

    await a.goto(`${server.url}/channels/${guild.id}/${stage.id}`);
    const bar = a.getByRole('region', { name: 'Stage', exact: true });
    await bar.getByLabel('Stage topic', { exact: true }).fill('Monthly town hall');
    await bar.getByRole('button', { name: 'Start Stage' }).click();
    await bar.getByText('Monthly town hall').waitFor();
    await bar.getByLabel('Live').waitFor();
    // The member's view goes live through STAGE_INSTANCE_CREATE, and the sidebar marks the channel.
    await memberBar.getByText('Monthly town hall').waitFor();
    await b.getByRole('link', { name: /^stage channel Town Hall, live/ }).waitFor();
    assert.equal(await memberBar.getByRole('button').count(), 0, 'no stage controls for a member');

    await bar.getByRole('button', { name: 'Edit Topic' }).click();
    await bar.getByLabel('Stage topic', { exact: true }).fill('Town hall: questions');
    await bar.getByRole('button', { name: 'Save' }).click();
    await memberBar.getByText('Town hall: questions').waitFor();
    assert.equal((await server.request('GET', `/stage-instances/${stage.id}`, { auth: member })).body.topic, 'Town hall: questions');

    // The stage's text chat works as any channel's.
    await b.getByRole('textbox', { name: 'Message #Town Hall' }).fill('great talk');
    await b.keyboard.press('Enter');
    await a.getByText('great talk').waitFor();

    await bar.getByRole('button', { name: 'End Stage' }).click();
    await memberBar.getByText('This stage is not live.').waitFor();
    await b.getByRole('link', { name: /^stage channel Town Hall$/ }).waitFor();
    assert.equal((await server.request('GET', `/stage-instances/${stage.id}`, { auth: owner })).status, 404);
  });
});
