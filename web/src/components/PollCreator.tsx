/** The composer's poll form (Poll.tsx's button opens it); loaded on first use. */
import { useState } from 'react';
import { errorText } from '../session.ts';
import { POLL_DURATIONS, POLL_MAX_ANSWERS, sendPoll } from '../polls.ts';
import { Icon } from './Icon.tsx';
import { Modal } from './Modal.tsx';

export function PollCreator({ channelId, onClose }: { channelId: string; onClose(): void }) {
  const [question, setQuestion] = useState('');
  const [answers, setAnswers] = useState(['', '']);
  const [duration, setDuration] = useState(24);
  const [multi, setMulti] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const filled = answers.filter((a) => a.trim()).length;
  const ready = question.trim() !== '' && filled >= 1;

  async function submit() {
    if (busy || !ready) return;
    setBusy(true);
    setError('');
    try {
      await sendPoll(channelId, { question, answers, duration, allowMultiselect: multi });
      onClose();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Modal title="Create a poll" onClose={onClose}>
      <form
        className="stack poll-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Question
          <input value={question} maxLength={300} placeholder="What question do you want to ask?" onChange={(e) => setQuestion(e.currentTarget.value)} />
        </label>
        <fieldset className="poll-form-answers">
          <legend>Answers</legend>
          {answers.map((a, i) => (
            <div key={i} className="poll-form-answer">
              <input
                value={a}
                maxLength={55}
                aria-label={`Answer ${i + 1}`}
                placeholder="Type your answer"
                onChange={(e) => {
                  const v = e.currentTarget.value;
                  setAnswers((list) => list.map((x, j) => (j === i ? v : x)));
                }}
              />
              {answers.length > 1 && (
                <button type="button" className="icon-button" aria-label={`Remove answer ${i + 1}`} onClick={() => setAnswers((list) => list.filter((_, j) => j !== i))}>
                  <Icon name="trash" size={16} />
                </button>
              )}
            </div>
          ))}
          {answers.length < POLL_MAX_ANSWERS && (
            <button type="button" className="link-button" onClick={() => setAnswers((list) => [...list, ''])}>
              Add another answer
            </button>
          )}
        </fieldset>
        <label>
          Duration
          <select value={duration} onChange={(e) => setDuration(Number(e.currentTarget.value))}>
            {POLL_DURATIONS.map((d) => (
              <option key={d.hours} value={d.hours}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox-row">
          <input type="checkbox" checked={multi} onChange={(e) => setMulti(e.currentTarget.checked)} />
          Allow multiple answers
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy || !ready}>
            Post
          </button>
        </div>
      </form>
    </Modal>
  );
}
