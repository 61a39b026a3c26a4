/**
 * A message's poll, drawn as Discord's client draws it: the question, the answers to pick (one, or several when
 * the poll allows it) and a Vote button; once we voted or the poll ended, each answer's share of the votes with
 * a bar, ours ticked. Counts are live (MESSAGE_POLL_VOTE_ADD / REMOVE, events.ts). The footer tells the votes, the
 * time left or "Poll closed", and offers "Remove vote" and, to its author, "End poll now". Also the composer's
 * poll button, whose form (PollCreator.tsx) loads on first use.
 */
import { Suspense, lazy, useEffect, useState } from 'react';
import { errorText } from '../session.ts';
import { endPoll, pollEnded, timeLeft, votePoll } from '../polls.ts';
import type { Message } from '../types.ts';
import { Icon } from './Icon.tsx';
import { Confirm } from './Modal.tsx';

const PollCreator = lazy(() => import('./PollCreator.tsx').then((m) => ({ default: m.PollCreator })));

export function PollView({ msg, mine }: { msg: Message; mine: boolean }) {
  const poll = msg.poll!;
  const [picked, setPicked] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [confirmEnd, setConfirmEnd] = useState(false);
  // Re-rendered every minute: the time left moves and the poll ends by itself.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);

  const counts = new Map((poll.results?.answer_counts ?? []).map((c) => [c.id, c]));
  const total = [...counts.values()].reduce((n, c) => n + c.count, 0);
  const voted = [...counts.values()].some((c) => c.me_voted);
  const ended = pollEnded(poll, now);
  const showResults = voted || ended;
  const leading = Math.max(0, ...[...counts.values()].map((c) => c.count));

  async function run(fn: () => Promise<unknown>) {
    if (busy) return;
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  function pick(id: number) {
    if (poll.allow_multiselect) setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
    else setPicked((p) => (p[0] === id ? [] : [id]));
  }

  return (
    <div className="poll" role="group" aria-label={`Poll: ${poll.question.text ?? ''}`} data-testid="poll">
      <div className="poll-question">{poll.question.text}</div>
      <div className="poll-hint small">{ended ? 'Final results' : poll.allow_multiselect ? 'Select one or more answers' : 'Select one answer'}</div>
      <ul className="poll-answers">
        {poll.answers.map((a) => {
          const c = counts.get(a.answer_id);
          const count = c?.count ?? 0;
          const percent = total ? Math.round((count / total) * 100) : 0;
          const label = `${a.poll_media.emoji?.name ? `${a.poll_media.emoji.name} ` : ''}${a.poll_media.text ?? ''}`;
          if (showResults) {
            const winner = ended && count > 0 && count === leading;
            return (
              <li key={a.answer_id} className={`poll-answer result${c?.me_voted ? ' mine' : ''}${winner ? ' winner' : ''}`} data-testid="poll-answer">
                <span className="poll-bar" style={{ width: `${percent}%` }} aria-hidden="true" />
                <span className="poll-answer-text">{label}</span>
                {c?.me_voted && <span className="poll-check" aria-label="Your vote">✓</span>}
                <span className="poll-count" data-testid="poll-count" aria-label={`${count} ${count === 1 ? 'vote' : 'votes'}`}>
                  {count} · {percent}%
                </span>
              </li>
            );
          }
          const on = picked.includes(a.answer_id);
          return (
            <li key={a.answer_id}>
              <button type="button" className={`poll-answer${on ? ' picked' : ''}`} aria-pressed={on} disabled={busy} onClick={() => pick(a.answer_id)} data-testid="poll-answer">
                <span className={poll.allow_multiselect ? 'poll-box' : 'poll-radio'} aria-hidden="true" />
                <span className="poll-answer-text">{label}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <div className="poll-footer small">
        <span data-testid="poll-total">
          {total} {total === 1 ? 'vote' : 'votes'} · {ended ? 'Poll closed' : timeLeft(poll, now)}
        </span>
        {!ended && voted && (
          <button type="button" className="link-button" disabled={busy} onClick={() => run(() => votePoll(msg, []))}>
            Remove vote
          </button>
        )}
        {mine && !ended && (
          <button type="button" className="link-button" disabled={busy} onClick={() => setConfirmEnd(true)}>
            End poll now
          </button>
        )}
        {!showResults && (
          <button
            type="button"
            className="button small poll-vote"
            disabled={busy || picked.length === 0}
            onClick={() => run(async () => {
              await votePoll(msg, picked);
              setPicked([]);
            })}
          >
            Vote
          </button>
        )}
      </div>
      {error && (
        <div className="form-error small" role="alert">
          {error}
        </div>
      )}
      {confirmEnd && (
        <Confirm
          title="End poll now?"
          body={<p>This will end the poll for everyone and show the final results.</p>}
          confirmLabel="End poll"
          onClose={() => setConfirmEnd(false)}
          onConfirm={() => endPoll(msg)}
        />
      )}
    </div>
  );
}

/** The composer's poll button and its form. */
export function PollButton({ channelId, disabled }: { channelId: string; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="icon-button composer-poll" aria-label="Create poll" title="Create poll" disabled={disabled} onClick={() => setOpen(true)}>
        <Icon name="poll" size={22} />
      </button>
      {open && (
        <Suspense fallback={null}>
          <PollCreator channelId={channelId} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
