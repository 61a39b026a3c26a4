/**
 * Discord's poll result message (type 46): "<author>'s poll <question> has closed", the winning answer with its
 * share of the votes (or that nobody won), and a link to the poll it replies to. The facts come from the message's
 * `poll_result` embed fields.
 */
import { jumpToMessage } from '../jump.ts';
import type { Message } from '../types.ts';
import { emojiUrl } from '../guild-emoji.ts';

export const POLL_RESULT = 46;

/** The `poll_result` embed's fields by name. */
export function pollResultFields(msg: Pick<Message, 'embeds'>): Record<string, string> {
  const embed = (Array.isArray(msg.embeds) ? msg.embeds : []).find((e: any) => e?.type === 'poll_result') as { fields?: Array<{ name: string; value: string }> } | undefined;
  return Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
}

export function PollResultLine({ msg, authorName, time }: { msg: Message; authorName: string; time: string }) {
  const f = pollResultFields(msg);
  const target = msg.message_reference?.message_id;
  const total = Number(f.total_votes ?? 0);
  const votes = Number(f.victor_answer_votes ?? 0);
  const share = total > 0 ? Math.round((votes / total) * 100) : 0;
  return (
    <li className="message system poll-result" data-message-id={msg.id} data-testid="poll-result" aria-label={`${authorName}'s poll has closed, ${time}`} tabIndex={-1}>
      <span className="system-icon" aria-hidden="true">📊</span>
      <div className="message-main">
        <div>
          <strong className="author-plain">{authorName}</strong>'s poll <strong>{f.poll_question_text ?? ''}</strong> has closed.{' '}
          <time dateTime={msg.timestamp} className="timestamp" title={new Date(msg.timestamp).toLocaleString()}>
            {time}
          </time>
        </div>
        <div className="poll-result-card">
          {f.victor_answer_text ? (
            <span className="poll-result-winner">
              {f.victor_answer_emoji_id ? (
                <img src={emojiUrl(f.victor_answer_emoji_id, f.victor_answer_emoji_animated === 'true', 20)} alt="" width={20} height={20} />
              ) : f.victor_answer_emoji_name ? (
                <span aria-hidden="true">{f.victor_answer_emoji_name} </span>
              ) : null}
              <strong>{f.victor_answer_text}</strong> won with {share}% ({votes} of {total} {total === 1 ? 'vote' : 'votes'})
            </span>
          ) : (
            <span className="poll-result-winner">{total === 0 ? 'There were no votes.' : `No single winner (${total} ${total === 1 ? 'vote' : 'votes'}).`}</span>
          )}
          {target && (
            <button type="button" className="link-button strong" onClick={() => void jumpToMessage(msg.channel_id, target)}>
              View poll
            </button>
          )}
        </div>
      </div>
    </li>
  );
}
