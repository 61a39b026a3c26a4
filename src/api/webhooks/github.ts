/**
 * POST /webhooks/{id}/{token}/github: GitHub's webhook deliveries (the event named by `X-GitHub-Event`, the
 * payload as JSON or as the `payload` field of a form), turned into one embed in the style of Discord's GitHub
 * integration: the title in brackets names the repository (and branch), the author is the event's sender with
 * their avatar and profile link, the title links to what happened.
 *
 *   push            `[repo:branch] N new commit(s)`, linked to the compare view (the commit, for one), a line
 *                   per commit (at most 5): `` [`sha7`](url) first line of the message - author ``
 *   issues          `[owner/repo] Issue opened|closed|reopened: #N title`, the issue's text when opened
 *   issue_comment   `[owner/repo] New comment on issue|pull request #N: title`, the comment's text
 *   pull_request    `[owner/repo] Pull request opened|closed|merged|reopened: #N title`, its text when opened
 *   create, delete  `[owner/repo] New branch|tag created: name`, `[owner/repo] Branch|tag deleted: name`
 *   release         `[owner/repo] New release published: tag`
 *   fork            `[owner/repo] Fork created: owner/fork`
 *   watch           `[owner/repo] New star added`
 *   commit_comment  `[owner/repo] New comment on commit `sha7``, the comment's text
 *   pull_request_review          `[owner/repo] Pull request approved|changes requested|reviewed: #N title`
 *   pull_request_review_comment  `[owner/repo] New review comment on pull request #N: title`, its text
 *   member          `[owner/repo] New collaborator added: login`
 *   public          `[owner/repo] Now open sourced!`
 *   discussion, discussion_comment  `[owner/repo] New discussion #N: title` / `New comment on discussion …`
 *   check_run, check_suite  `[repo:branch] name: conclusion` when completed
 *
 * `ping` (sent when the hook is set up), other actions of these events and every other event post nothing:
 * 204, as Discord answers them. A push without commits (a deleted branch, a tag) posts nothing either.
 */
import { EMBED_LIMITS } from '../messages/embeds.ts';

type Json = Record<string, unknown>;

/** Discord's GitHub colours: commits blurple, opened issues orange, opened pull requests green, the rest grey. */
const COLORS = { push: 0x7289da, issueOpened: 0xeb6420, pullOpened: 0x009800, comment: 0xe68d60, closed: 0x000000, other: 0x95a5a6 } as const;
const MAX_COMMITS = 5;
/** Issue, pull request and comment text shown, at most. */
const MAX_BODY = 500;
const MAX_COMMIT_LINE = 50;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 3)}...`;
}

/** The embed's author: the sender of the event. */
function senderOf(payload: Json): Json | undefined {
  const sender = obj(payload.sender);
  const name = str(sender.login);
  if (!name) return undefined;
  return { name: cut(name, EMBED_LIMITS.author), ...(str(sender.avatar_url) ? { icon_url: str(sender.avatar_url) } : {}), ...(str(sender.html_url) ? { url: str(sender.html_url) } : {}) };
}

function embed(payload: Json, title: string, url: string, color: number, description?: string): Json {
  const out: Json = { title: cut(title, EMBED_LIMITS.title), color };
  if (url) out.url = url;
  const author = senderOf(payload);
  if (author) out.author = author;
  if (description) out.description = cut(description, EMBED_LIMITS.description);
  return out;
}

function push(p: Json): Json | null {
  const repo = obj(p.repository);
  const ref = str(p.ref);
  if (!ref.startsWith('refs/heads/')) return null;
  const commits = Array.isArray(p.commits) ? p.commits.map(obj) : [];
  if (commits.length === 0) return null;
  const branch = ref.slice('refs/heads/'.length);
  const lines = commits.slice(0, MAX_COMMITS).map((c) => {
    const message = cut(str(c.message).split('\n')[0] ?? '', MAX_COMMIT_LINE);
    const author = obj(c.author);
    return `[\`${str(c.id).slice(0, 7)}\`](${str(c.url)}) ${message} - ${str(author.username) || str(author.name)}`;
  });
  const url = commits.length === 1 ? str(commits[0]!.url) : str(p.compare);
  const noun = commits.length === 1 ? 'commit' : 'commits';
  return embed(p, `[${str(repo.name)}:${branch}] ${commits.length} new ${noun}`, url, COLORS.push, lines.join('\n'));
}

function issues(p: Json): Json | null {
  const action = str(p.action);
  if (action !== 'opened' && action !== 'closed' && action !== 'reopened') return null;
  const issue = obj(p.issue);
  const color = action === 'opened' ? COLORS.issueOpened : action === 'closed' ? COLORS.closed : COLORS.other;
  const body = action === 'opened' ? cut(str(issue.body), MAX_BODY) : undefined;
  return embed(p, `[${str(obj(p.repository).full_name)}] Issue ${action}: #${str(issue.number)} ${str(issue.title)}`, str(issue.html_url), color, body);
}

function issueComment(p: Json): Json | null {
  if (str(p.action) !== 'created') return null;
  const issue = obj(p.issue);
  const comment = obj(p.comment);
  const kind = issue.pull_request ? 'pull request' : 'issue';
  return embed(p, `[${str(obj(p.repository).full_name)}] New comment on ${kind} #${str(issue.number)}: ${str(issue.title)}`, str(comment.html_url), COLORS.comment, cut(str(comment.body), MAX_BODY));
}

function pullRequest(p: Json): Json | null {
  const pr = obj(p.pull_request);
  let action = str(p.action);
  if (action !== 'opened' && action !== 'closed' && action !== 'reopened') return null;
  if (action === 'closed' && pr.merged === true) action = 'merged';
  const color = action === 'opened' ? COLORS.pullOpened : action === 'closed' ? COLORS.closed : COLORS.other;
  const body = action === 'opened' ? cut(str(pr.body), MAX_BODY) : undefined;
  return embed(p, `[${str(obj(p.repository).full_name)}] Pull request ${action}: #${str(p.number ?? pr.number)} ${str(pr.title)}`, str(pr.html_url), color, body);
}

function refChange(p: Json, created: boolean): Json | null {
  const kind = str(p.ref_type);
  if (kind !== 'branch' && kind !== 'tag') return null;
  const repo = obj(p.repository);
  const title = created ? `[${str(repo.full_name)}] New ${kind} created: ${str(p.ref)}` : `[${str(repo.full_name)}] ${kind === 'branch' ? 'Branch' : 'Tag'} deleted: ${str(p.ref)}`;
  return embed(p, title, str(repo.html_url), COLORS.other);
}

function release(p: Json): Json | null {
  if (str(p.action) !== 'published') return null;
  const rel = obj(p.release);
  return embed(p, `[${str(obj(p.repository).full_name)}] New release published: ${str(rel.tag_name)}`, str(rel.html_url), COLORS.other);
}

function fork(p: Json): Json | null {
  const forkee = obj(p.forkee);
  if (!str(forkee.full_name)) return null;
  return embed(p, `[${str(obj(p.repository).full_name)}] Fork created: ${str(forkee.full_name)}`, str(forkee.html_url), COLORS.other);
}

function watch(p: Json): Json | null {
  if (str(p.action) !== 'started') return null;
  const repo = obj(p.repository);
  return embed(p, `[${str(repo.full_name)}] New star added`, str(repo.html_url), COLORS.other);
}

const repoName = (p: Json) => str(obj(p.repository).full_name);

function commitComment(p: Json): Json | null {
  const comment = obj(p.comment);
  if (!str(comment.body)) return null;
  return embed(p, `[${repoName(p)}] New comment on commit \`${str(comment.commit_id).slice(0, 7)}\``, str(comment.html_url), COLORS.comment, cut(str(comment.body), MAX_BODY));
}

function pullRequestReview(p: Json): Json | null {
  if (str(p.action) !== 'submitted') return null;
  const pr = obj(p.pull_request);
  const review = obj(p.review);
  const state = str(review.state).toLowerCase();
  const verb = state === 'approved' ? 'approved' : state === 'changes_requested' ? 'changes requested' : 'reviewed';
  return embed(p, `[${repoName(p)}] Pull request ${verb}: #${str(pr.number)} ${str(pr.title)}`, str(review.html_url), COLORS.comment, str(review.body) ? cut(str(review.body), MAX_BODY) : undefined);
}

function pullRequestReviewComment(p: Json): Json | null {
  if (str(p.action) !== 'created') return null;
  const pr = obj(p.pull_request);
  const comment = obj(p.comment);
  return embed(p, `[${repoName(p)}] New review comment on pull request #${str(pr.number)}: ${str(pr.title)}`, str(comment.html_url), COLORS.comment, cut(str(comment.body), MAX_BODY));
}

function member(p: Json): Json | null {
  if (str(p.action) !== 'added') return null;
  const added = obj(p.member);
  return embed(p, `[${repoName(p)}] New collaborator added: ${str(added.login)}`, str(added.html_url), COLORS.other);
}

function publicized(p: Json): Json | null {
  const repo = obj(p.repository);
  return embed(p, `[${str(repo.full_name)}] Now open sourced!`, str(repo.html_url), COLORS.other);
}

function discussion(p: Json): Json | null {
  if (str(p.action) !== 'created') return null;
  const d = obj(p.discussion);
  return embed(p, `[${repoName(p)}] New discussion #${str(d.number)}: ${str(d.title)}`, str(d.html_url), COLORS.issueOpened, cut(str(d.body), MAX_BODY));
}

function discussionComment(p: Json): Json | null {
  if (str(p.action) !== 'created') return null;
  const d = obj(p.discussion);
  const comment = obj(p.comment);
  return embed(p, `[${repoName(p)}] New comment on discussion #${str(d.number)}: ${str(d.title)}`, str(comment.html_url), COLORS.comment, cut(str(comment.body), MAX_BODY));
}

/** A finished check run or suite: its conclusion (success, failure, …) on the branch it ran for. */
function check(p: Json, key: 'check_run' | 'check_suite'): Json | null {
  if (str(p.action) !== 'completed') return null;
  const c = obj(p[key]);
  const conclusion = str(c.conclusion) || 'completed';
  const suite = key === 'check_suite' ? c : obj(c.check_suite);
  const branch = str(suite.head_branch);
  const name = key === 'check_run' ? str(c.name) : str(obj(c.app).name) || 'Check suite';
  const color = conclusion === 'success' ? COLORS.pullOpened : conclusion === 'failure' || conclusion === 'timed_out' ? COLORS.issueOpened : COLORS.other;
  return embed(p, `[${str(obj(p.repository).name)}${branch ? `:${branch}` : ''}] ${name}: ${conclusion}`, str(c.html_url) || str(c.url), color);
}

/** Discord's documented list: commit_comment, create, delete, fork, issue_comment, issues, member, public, pull_request, pull_request_review, pull_request_review_comment, push, release, watch, check_run, check_suite, discussion, discussion_comment. */
const EVENTS: Record<string, (payload: Json) => Json | null> = {
  push,
  issues,
  issue_comment: issueComment,
  pull_request: pullRequest,
  pull_request_review: pullRequestReview,
  pull_request_review_comment: pullRequestReviewComment,
  commit_comment: commitComment,
  create: (p) => refChange(p, true),
  delete: (p) => refChange(p, false),
  release,
  fork,
  watch,
  member,
  public: publicized,
  discussion,
  discussion_comment: discussionComment,
  check_run: (p) => check(p, 'check_run'),
  check_suite: (p) => check(p, 'check_suite'),
};

/** The GitHub events that post a message. */
export const GITHUB_EVENTS: readonly string[] = Object.keys(EVENTS);

/** The embed for a delivery of `event`, or null when it posts nothing (ping, other events and actions). */
export function githubEmbed(event: string, payload: unknown): Json | null {
  const map = Object.hasOwn(EVENTS, event) ? EVENTS[event] : undefined;
  return map ? map(obj(payload)) : null;
}
