/**
 * The line drawn for a join message (type 7, USER_JOIN): the server stores no text for it, so the client picks a
 * welcome, as Discord's clients do, from the message's creation time (its snowflake), so that every client and every
 * reload shows the same line for the same join. `{}` stands for the member's name.
 */
const JOIN_LINES = [
  '{} joined the server.',
  'Welcome, {}! Say hello.',
  '{} just arrived.',
  '{} is here. Welcome!',
  'Everyone, say hi to {}!',
  '{} dropped in.',
] as const;

/** The welcome line of join message `messageId` as the text before and after the member's name. */
export function joinLine(messageId: string): { before: string; after: string } {
  let ms = 0;
  try {
    ms = Number(BigInt(messageId) >> 22n);
  } catch {
    // Not a snowflake (a malformed payload): the first line.
  }
  const [before, after] = JOIN_LINES[ms % JOIN_LINES.length]!.split('{}') as [string, string];
  return { before, after };
}
