/**
 * Game lobbies in the web client, in Chromium against a real Accord: a game's bot puts two players in a lobby; each
 * finds it under Game Lobbies, reads the game's history, chats live with the other (LOBBY_MESSAGE_CREATE), sees a
 * player the game adds (LOBBY_MEMBER_ADD) and the lobby's linked channel, reads there what is written in the linked
 * channel, and leaves it from its page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { issueAccessToken } from '../../src/api/oauth2.ts';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';
import { makeBot } from '../integration/fixtures.guilds.ts';

describe('web client: game lobbies', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  let dev: TestUser;
  let ann: TestUser;
  let ben: TestUser;
  let cal: TestUser;
  let bot: TestUser;
  let app: any;
  let lobby: any;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const stamp = Date.now().toString(36);
    dev = await server.register(`dev_${stamp}`);
    ann = await server.register(`ann_${stamp}`);
    ben = await server.register(`ben_${stamp}`);
    cal = await server.register(`cal_${stamp}`);
    ({ app, bot } = await makeBot(server, dev, 'Block Game'));
    // The players signed in to the game (its SDK's grant): a game puts only them in its lobbies.
    const grant = (u: TestUser) => issueAccessToken(server.store, { applicationId: app.id, userId: u.id, scopes: ['sdk.social_layer'] }, Date.now());
    const [{ access_token }] = await Promise.all([grant(ann), grant(ben), grant(cal)]);
    const created = await server.request('POST', '/lobbies', { auth: bot, body: { metadata: { topic: 'Castle build' }, members: [{ id: ann.id }, { id: ben.id }] } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    lobby = created.body;
    // Ann said something in the game before opening the app (with the game's access token, as its SDK holds).
    const said = await server.request('POST', `/lobbies/${lobby.id}/messages`, { auth: `Bearer ${access_token}`, body: { content: 'need more stone' } });
    assert.equal(said.status, 200, JSON.stringify(said.body));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('listed under Game Lobbies, history and live chat, a player added, leaving', async () => {
    const a = await openAs(browser, ann, `${server.url}/channels/@me`);
    await a.getByRole('link', { name: 'Game Lobbies' }).click();
    await a.getByRole('list', { name: 'Your lobbies' }).getByRole('link', { name: /Castle build/ }).click();
    const messages = a.getByRole('list', { name: 'Lobby messages' });
    await eventually(async () => assert.match(await messages.innerText(), /need more stone/), 'the history');

    const b = await openAs(browser, ben, `${server.url}/channels/@me/lobbies/${lobby.id}`);
    const benMessages = b.getByRole('list', { name: 'Lobby messages' });
    await eventually(async () => assert.match(await benMessages.innerText(), /need more stone/), 'the history for Ben');
    await b.getByLabel('Message the lobby').fill('on my way');
    await b.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => assert.match(await messages.innerText(), /on my way/), 'Ben\'s message, live in Ann\'s tab');
    assert.deepEqual((await server.store.lobbies.messages(lobby.id, 10)).map((m) => m.content), ['on my way', 'need more stone']);

    // The game adds Cal: both tabs count three players.
    await server.request('PUT', `/lobbies/${lobby.id}/members/${cal.id}`, { auth: bot, body: { additional_name: 'Sir Cal' } });
    await eventually(async () => assert.match(await a.getByRole('region', { name: /Lobby Castle build/ }).innerText(), /3 players:.*Sir Cal/), 'the new player');

    // Ann links her server's #general to the lobby (CanLinkLobby from the game; the link is the game's, through its
    // SDK), then writes in #general in the app: Ben reads it in the lobby.
    const hall = await server.createGuild(ann, 'Castle Hall');
    const general = ((await server.request('GET', `/guilds/${hall.id}/channels`, { auth: ann })).body as any[]).find((c) => c.type === 0);
    await server.request('PUT', `/lobbies/${lobby.id}/members/${ann.id}`, { auth: bot, body: { flags: 1 } });
    const annToken = (await issueAccessToken(server.store, { applicationId: app.id, userId: ann.id, scopes: ['sdk.social_layer'] }, Date.now())).access_token;
    const link = await server.request('PATCH', `/lobbies/${lobby.id}/channel-linking`, { auth: `Bearer ${annToken}`, body: { channel_id: general.id } });
    assert.equal(link.status, 200, JSON.stringify(link.body));
    const hallTab = await openAs(browser, ann, `${server.url}/channels/${hall.id}/${general.id}`);
    await hallTab.getByRole('textbox', { name: /Message #general/ }).fill('the gate is open');
    await hallTab.keyboard.press('Enter');
    await eventually(async () => assert.match(await benMessages.innerText(), /the gate is open/), 'the channel message, in Ben\'s lobby');

    await b.getByRole('button', { name: 'Leave Lobby' }).click();
    await b.getByRole('dialog', { name: 'Leave Lobby' }).getByRole('button', { name: 'Leave Lobby' }).click();
    await eventually(async () => assert.match(await b.getByRole('list', { name: 'Your lobbies' }).innerText().catch(() => ''), /^$/), 'Ben\'s list is empty');
    assert.equal(await b.getByText('No game has put you in a lobby yet.').count(), 1);
    assert.equal(await server.store.lobbies.member(lobby.id, ben.id), null);
    await eventually(async () => assert.match(await a.getByRole('region', { name: /Lobby Castle build/ }).innerText(), /2 players/), 'Ann sees Ben leave');
  });
});
