/**
 * Polls: posting one from the composer, voting (PUT …/polls/{id}/answers/@me with the whole set of our answers; an
 * empty set takes the vote back) and ending our own poll early. Counts move with MESSAGE_POLL_VOTE_ADD / REMOVE
 * (events.ts), our own votes included, so nothing here guesses them.
 */
import { rest } from './api.ts';
import { applyDispatch } from './events.ts';
import type { Message, Poll } from './types.ts';

/** What the poll form gathers (Discord's poll create request object, in the client's words). */
export interface PollDraft {
  question: string;
  answers: string[];
  /** Hours, 1–768. */
  duration: number;
  allowMultiselect: boolean;
}

/** Durations the form offers, as Discord's client does. */
export const POLL_DURATIONS = [
  { hours: 1, label: '1 hour' },
  { hours: 4, label: '4 hours' },
  { hours: 8, label: '8 hours' },
  { hours: 24, label: '24 hours' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '1 week' },
  { hours: 336, label: '2 weeks' },
] as const;

export const POLL_MAX_ANSWERS = 10;

export async function sendPoll(channelId: string, draft: PollDraft): Promise<void> {
  const msg = await rest.post<Message>(`/channels/${channelId}/messages`, {
    poll: {
      question: { text: draft.question.trim() },
      answers: draft.answers.map((a) => a.trim()).filter(Boolean).map((text) => ({ poll_media: { text } })),
      duration: draft.duration,
      allow_multiselect: draft.allowMultiselect,
      layout_type: 1,
    },
  });
  applyDispatch('MESSAGE_CREATE', msg);
}

export function votePoll(msg: Message, answerIds: number[]): Promise<unknown> {
  return rest.put(`/channels/${msg.channel_id}/polls/${msg.id}/answers/@me`, { answer_ids: answerIds });
}

export async function endPoll(msg: Message): Promise<void> {
  const updated = await rest.post<Message>(`/channels/${msg.channel_id}/polls/${msg.id}/expire`);
  applyDispatch('MESSAGE_UPDATE', updated);
}

/** Over: finalized by the server, or past its expiry by our clock. */
export function pollEnded(poll: Poll, now = Date.now()): boolean {
  return Boolean(poll.results?.is_finalized) || (poll.expiry !== null && Date.parse(poll.expiry) <= now);
}

/** "5h left", "2d left", "less than a minute left". */
export function timeLeft(poll: Poll, now = Date.now()): string {
  if (!poll.expiry) return '';
  const ms = Date.parse(poll.expiry) - now;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute left';
  if (minutes < 60) return `${minutes}m left`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h left`;
  return `${Math.floor(hours / 24)}d left`;
}
