/**
 * The bar under a stage channel's header: the stage's topic with a LIVE mark while it is live; for a stage
 * moderator, Start Stage (with a topic), Edit Topic and End Stage. Accord has no voice: a stage is its topic and
 * the channel's text chat (api/routes/stage-instances.ts). Loaded only for stage channels (Chat.tsx).
 */
import { useState } from 'react';
import { errorText } from '../session.ts';
import { STAGE_TOPIC_MAX, endStage, editStageTopic, startStage } from '../stages.ts';
import { useStore } from '../store.ts';

export default function StageBar({ channelId, canModerate }: { channelId: string; canModerate: boolean }) {
  const stage = useStore((s) => s.stages[channelId]);
  const [editing, setEditing] = useState(false);
  const [topic, setTopic] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setEditing(false);
      setTopic('');
    } catch (err) {
      setError(errorText(err, 'topic'));
    } finally {
      setBusy(false);
    }
  };

  const topicForm = (label: string, submit: string, onSubmit: (topic: string) => Promise<unknown>) => (
    <form
      className="row stage-form"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => onSubmit(topic.trim()));
      }}
    >
      <input aria-label="Stage topic" placeholder="What is this stage about?" value={topic} maxLength={STAGE_TOPIC_MAX} onChange={(e) => setTopic(e.target.value)} required autoFocus={editing} />
      <button type="submit" className="button" disabled={busy || !topic.trim()}>{submit}</button>
      {editing && <button type="button" className="button secondary" onClick={() => setEditing(false)}>Cancel</button>}
    </form>
  );

  return (
    <section className="stage-bar" aria-label="Stage">
      {stage ? (
        editing ? topicForm('Edit stage topic', 'Save', (t) => editStageTopic(channelId, t)) : (
          <>
            <span className="stage-live" aria-label="Live">LIVE</span>
            <span className="stage-topic grow">{stage.topic}</span>
            {canModerate && (
              <>
                <button type="button" className="button secondary" onClick={() => { setTopic(stage.topic); setEditing(true); }}>Edit Topic</button>
                <button type="button" className="button danger" disabled={busy} onClick={() => void run(() => endStage(channelId))}>End Stage</button>
              </>
            )}
          </>
        )
      ) : canModerate ? topicForm('Start a stage', 'Start Stage', (t) => startStage(channelId, t)) : (
        <span className="muted">This stage is not live.</span>
      )}
      {error && <p className="form-error" role="alert">{error}</p>}
    </section>
  );
}
