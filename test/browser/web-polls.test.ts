/**
 * The web client's polls (issue #18), in Chromium against a real Accord: a poll made with the composer's poll form
 * (question, answers, duration, multiple answers), drawn in both people's message lists; a vote by one shows the
 * other the count change live (MESSAGE_POLL_VOTE_ADD), results with bars once one has voted; the author ends the
 * poll early and everyone sees "Poll closed".
 *
 * One server and one browser for the file; people are registered over REST and logged in by their saved token.
 * Every wait polls with a timeout; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, eventually, launchChromium, openAs } from '../helpers/browser.ts';
import { startTestServer, type TestServer, type TestUser } from '../helpers/harness.ts';

const pollIn = (page: Page, question: string) => page.locator('.history .message [data-testid="poll"]', { hasText: question });
const answer = (page: Page, question: string, text: string) => pollIn(page, question).locator('[data-testid="poll-answer"]', { hasText: text });

describe('web client: polls', { skip: browserSkipReason() }, () => {
  let server: TestServer;
  let browser: Browser;
  const stamp = Date.now().toString(36);
  let alice: TestUser;
  let bob: TestUser;
  let guild: any;
  let general: any;
  let a: Page;
  let b: Page;

  const api = async (method: string, route: string, auth: TestUser, body?: unknown) => {
    const res = await server.request(method, route, { auth, body });
    assert.ok(res.status < 300, `${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const open = (user: TestUser): Promise<Page> => openAs(browser, user);

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    alice = await server.register(`pollster_${stamp}`);
    bob = await server.register(`voter_${stamp}`);
    guild = await server.createGuild(alice, 'Poll Club');
    await server.join(alice, guild.id, bob);
    general = (await api('GET', `/guilds/${guild.id}/channels`, alice)).find((c: any) => c.type === 0);
    await api('POST', `/channels/${general.id}/messages`, bob, { content: 'hello pollsters' });
    a = await open(alice);
    await a.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    b = await open(bob);
    await b.goto(`${server.url}/channels/${guild.id}/${general.id}`);
    for (const p of [a, b]) await p.locator('.history .message', { hasText: 'hello pollsters' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('create a poll from the composer; it shows in both message lists', async () => {
    await a.getByRole('button', { name: 'Create poll' }).click();
    const form = a.getByRole('dialog', { name: 'Create a poll' });
    await form.getByLabel('Question').fill('Tabs or spaces?');
    await form.getByRole('textbox', { name: 'Answer 1' }).fill('Tabs');
    await form.getByRole('textbox', { name: 'Answer 2' }).fill('Spaces');
    await form.getByRole('button', { name: 'Add another answer' }).click();
    await form.getByRole('textbox', { name: 'Answer 3' }).fill('Both');
    await form.getByLabel('Duration').selectOption('4');
    await form.getByRole('button', { name: 'Post' }).click();
    await form.waitFor({ state: 'detached' });

    for (const p of [a, b]) {
      await pollIn(p, 'Tabs or spaces?').waitFor();
      assert.deepEqual(await pollIn(p, 'Tabs or spaces?').locator('.poll-answer-text').allInnerTexts(), ['Tabs', 'Spaces', 'Both']);
      assert.match(await pollIn(p, 'Tabs or spaces?').getByTestId('poll-total').innerText(), /0 votes · [34]h left/);
    }
    const list = await api('GET', `/channels/${general.id}/messages?limit=5`, alice);
    const stored = list.find((m: any) => m.poll?.question.text === 'Tabs or spaces?');
    assert.deepEqual(stored.poll.answers.map((x: any) => x.poll_media.text), ['Tabs', 'Spaces', 'Both']);
    assert.equal(stored.poll.allow_multiselect, false);
    const hours = (Date.parse(stored.poll.expiry) - Date.parse(stored.timestamp)) / 3_600_000;
    assert.ok(Math.abs(hours - 4) < 0.01, String(hours));
  });

  test('a vote shows the voter the results and the other person the count change, live', async () => {
    const q = 'Tabs or spaces?';
    await answer(b, q, 'Spaces').click();
    assert.equal(await answer(b, q, 'Spaces').getAttribute('aria-pressed'), 'true');
    await pollIn(b, q).getByRole('button', { name: 'Vote' }).click();
    // Bob sees results: his answer ticked with one vote of one.
    await eventually(async () => assert.match(await answer(b, q, 'Spaces').getByTestId('poll-count').innerText(), /1 · 100%/), 'bob sees his vote counted');
    await answer(b, q, 'Spaces').getByLabel('Your vote').waitFor();
    // Alice, who has not voted, sees the total move without reloading.
    await eventually(async () => assert.match(await pollIn(a, q).getByTestId('poll-total').innerText(), /^1 vote ·/), 'alice sees 1 vote');

    // Alice votes too: both see the split.
    await answer(a, q, 'Tabs').click();
    await pollIn(a, q).getByRole('button', { name: 'Vote' }).click();
    for (const p of [a, b]) {
      await eventually(async () => {
        assert.match(await answer(p, q, 'Tabs').getByTestId('poll-count').innerText(), /1 · 50%/);
        assert.match(await answer(p, q, 'Spaces').getByTestId('poll-count').innerText(), /1 · 50%/);
        assert.match(await pollIn(p, q).getByTestId('poll-total').innerText(), /^2 votes ·/);
      }, 'two votes, split');
    }

    // Bob takes his vote back: the choices return for him, the count drops for Alice.
    await pollIn(b, q).getByRole('button', { name: 'Remove vote' }).click();
    await pollIn(b, q).getByRole('button', { name: 'Vote' }).waitFor();
    await eventually(async () => assert.match(await answer(a, q, 'Spaces').getByTestId('poll-count').innerText(), /0 · 0%/), 'alice sees the vote removed');
  });

  test('only the author can end the poll; then everyone sees it closed', async () => {
    const q = 'Tabs or spaces?';
    assert.equal(await pollIn(b, q).getByRole('button', { name: 'End poll now' }).count(), 0);
    await pollIn(a, q).getByRole('button', { name: 'End poll now' }).click();
    await a.getByRole('dialog', { name: 'End poll now?' }).getByRole('button', { name: 'End poll' }).click();
    for (const p of [a, b]) {
      await eventually(async () => assert.match(await pollIn(p, q).getByTestId('poll-total').innerText(), /Poll closed/), 'poll closed');
    }
    // Bob (no vote) now sees the final results, not choices.
    assert.equal(await pollIn(b, q).getByRole('button', { name: 'Vote' }).count(), 0);
    assert.match(await answer(b, q, 'Tabs').getByTestId('poll-count').innerText(), /1 · 100%/);
    assert.match(await pollIn(a, q).innerText(), /Final results/);
    const m = (await api('GET', `/channels/${general.id}/messages?limit=5`, bob)).find((x: any) => x.poll?.question.text === q);
    assert.equal(m.poll.results.is_finalized, true);
  });
});
