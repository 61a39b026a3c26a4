/** The red count of unread mentions on a channel, a server or Home (Discord's badge); hidden from screen readers, whose label says it instead (mentionLabel). */
export function MentionBadge({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <span className="mention-badge" aria-hidden="true" data-testid="mention-badge">
      {count > 99 ? '99+' : count}
    </span>
  );
}

/** The words a badge stands for, to append to the label of what it sits on: ", 2 mentions". */
export const mentionLabel = (count: number | undefined) => (count && count > 0 ? `, ${count} mention${count === 1 ? '' : 's'}` : '');
