/**
 * Polls on messages (Discord's poll resource): the poll create request object a send may carry, checked and turned
 * into the PollRecord stored with the message. Votes, voters and ending a poll early are routes/polls.ts.
 */
import { fieldError } from '../../protocol/errors.ts';
import type { PollRecord } from '../../store/types.ts';
import { unicodeEmoji } from './reaction-emoji.ts';
import { snowflake, z } from '../validate.ts';

const HOUR_MS = 60 * 60 * 1000;
/** Discord's limits: 32 days, 10 answers, 300 and 55 characters. */
export const POLL_LIMITS = { maxDurationHours: 768, defaultDurationHours: 24, maxAnswers: 10, questionLength: 300, answerLength: 55 } as const;

const emojiSchema = z.object({ id: snowflake.nullish(), name: z.string().max(64).nullish(), animated: z.boolean().nullish() });

export const pollSchema = z.object({
  question: z.object({ text: z.string().min(1).max(POLL_LIMITS.questionLength) }),
  answers: z
    .array(z.object({
      answer_id: z.number().int().nullish(),
      poll_media: z.object({ text: z.string().min(1).max(POLL_LIMITS.answerLength), emoji: emojiSchema.nullish() }),
    }))
    .min(1)
    .max(POLL_LIMITS.maxAnswers),
  duration: z.number().int().min(1).max(POLL_LIMITS.maxDurationHours).nullish(),
  allow_multiselect: z.boolean().nullish(),
  layout_type: z.literal(1).nullish(),
});

export type PollCreate = z.infer<typeof pollSchema>;

/** The poll to store, ending `duration` hours after `now`. An emoji is a custom one by id or a unicode one by name. */
export function pollRecord(body: PollCreate, now: number): PollRecord {
  const answers = body.answers.map((a, i) => {
    const e = a.poll_media.emoji;
    let emoji: PollRecord['answers'][number]['emoji'];
    if (e && e.id) emoji = { id: e.id, name: null };
    else if (e && e.name) {
      const name = unicodeEmoji(e.name);
      if (name === null) throw fieldError(['poll', 'answers', i, 'poll_media', 'emoji', 'name'], 'BASE_TYPE_INVALID', 'Invalid emoji');
      emoji = { id: null, name };
    }
    return { id: i + 1, text: a.poll_media.text, ...(emoji ? { emoji } : {}) };
  });
  return {
    question: body.question.text,
    answers,
    expiresAt: now + (body.duration ?? POLL_LIMITS.defaultDurationHours) * HOUR_MS,
    allowMultiselect: body.allow_multiselect ?? false,
    layoutType: body.layout_type ?? 1,
  };
}
