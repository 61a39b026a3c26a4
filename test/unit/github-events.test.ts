/**
 * The GitHub-compatible webhook's embeds (api/webhooks/github.ts) for every event Discord documents: each posts
 * one embed titled as Discord's integration does, actions that are not news post nothing, and unknown events
 * nothing at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GITHUB_EVENTS, githubEmbed } from '../../src/api/webhooks/github.ts';

const repository = { name: 'accord', full_name: 'acme/accord', html_url: 'https://github.com/acme/accord' };
const sender = { login: 'octocat', avatar_url: 'https://avatars.example/octocat', html_url: 'https://github.com/octocat' };
const pr = { number: 7, title: 'Faster fan-out', html_url: 'https://github.com/acme/accord/pull/7' };

describe('GitHub webhook events', () => {
  it('covers Discord\'s documented list', () => {
    const documented = ['commit_comment', 'create', 'delete', 'fork', 'issue_comment', 'issues', 'member', 'public', 'pull_request', 'pull_request_review', 'pull_request_review_comment', 'push', 'release', 'watch', 'check_run', 'check_suite', 'discussion', 'discussion_comment'];
    assert.deepEqual([...GITHUB_EVENTS].sort(), [...documented].sort());
  });

  it('titles each newly covered event and credits its sender', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['commit_comment', { comment: { body: 'nice', commit_id: 'abcdef1234', html_url: 'https://x/c' } }, '[acme/accord] New comment on commit `abcdef1`'],
      ['pull_request_review', { action: 'submitted', pull_request: pr, review: { state: 'APPROVED', html_url: 'https://x/r', body: 'lgtm' } }, '[acme/accord] Pull request approved: #7 Faster fan-out'],
      ['pull_request_review_comment', { action: 'created', pull_request: pr, comment: { body: 'typo', html_url: 'https://x/rc' } }, '[acme/accord] New review comment on pull request #7: Faster fan-out'],
      ['member', { action: 'added', member: { login: 'hubot', html_url: 'https://github.com/hubot' } }, '[acme/accord] New collaborator added: hubot'],
      ['public', {}, '[acme/accord] Now open sourced!'],
      ['discussion', { action: 'created', discussion: { number: 3, title: 'Roadmap', html_url: 'https://x/d', body: 'ideas' } }, '[acme/accord] New discussion #3: Roadmap'],
      ['discussion_comment', { action: 'created', discussion: { number: 3, title: 'Roadmap' }, comment: { body: '+1', html_url: 'https://x/dc' } }, '[acme/accord] New comment on discussion #3: Roadmap'],
      ['check_run', { action: 'completed', check_run: { name: 'ci', conclusion: 'failure', html_url: 'https://x/run', check_suite: { head_branch: 'main' } } }, '[accord:main] ci: failure'],
      ['check_suite', { action: 'completed', check_suite: { conclusion: 'success', head_branch: 'main', app: { name: 'GitHub Actions' }, url: 'https://x/suite' } }, '[accord:main] GitHub Actions: success'],
    ];
    for (const [event, payload, title] of cases) {
      const embed = githubEmbed(event, { repository, sender, ...payload });
      assert.ok(embed, event);
      assert.equal(embed!.title, title, event);
      assert.equal((embed!.author as { name: string }).name, 'octocat', event);
    }
  });

  it('posts nothing for actions that are not news, or events it does not know', () => {
    assert.equal(githubEmbed('check_run', { repository, action: 'created', check_run: { name: 'ci' } }), null);
    assert.equal(githubEmbed('pull_request_review', { repository, action: 'dismissed', pull_request: pr, review: {} }), null);
    assert.equal(githubEmbed('discussion', { repository, action: 'deleted', discussion: {} }), null);
    assert.equal(githubEmbed('ping', { zen: 'hi' }), null);
    assert.equal(githubEmbed('toString', {}), null);
  });
});
