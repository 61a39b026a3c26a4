/**
 * Presence updates wait a little on quiet sockets, so that several go out in one write.
 *
 * A user coming online sends a PRESENCE_UPDATE to every session in their guilds: in a busy guild that is one
 * system call per socket per update, the largest cost of an identify storm (writev was 24% of the server's CPU in
 * `connect --sessions 1000 --rate 100`). A client shows a presence a moment late without harm. So a presence that
 * finds its socket's queue empty waits for the next release of the shared hold (one timer for every socket); any
 * other frame queued meanwhile takes it along, in order. Sequence numbers and the replay deque are unchanged: only
 * the write waits.
 */
interface Holder {
  releasePresences(): void;
}

/** The holders waiting on one timer; one per hold length (every connection of a process has the same). */
interface Hold {
  held: Holder[];
  timer: NodeJS.Timeout | null;
}
const holds = new Map<number, Hold>();

function release(hold: Hold): void {
  hold.timer = null;
  const due = hold.held;
  hold.held = [];
  for (const h of due) {
    // One connection's failure must not keep the others' presences waiting.
    try {
      h.releasePresences();
    } catch {
      // A write error reaches the connection through its own callbacks and closes it there.
    }
  }
}

/** Registers an outbound queue whose presences wait; they go out when the current hold of that length ends (≤ holdMs). */
export function holdPresences(holder: Holder, holdMs: number): void {
  let hold = holds.get(holdMs);
  if (!hold) holds.set(holdMs, (hold = { held: [], timer: null }));
  hold.held.push(holder);
  if (!hold.timer) hold.timer = setTimeout(release, holdMs, hold).unref();
}
