/**
 * Many members at once: users and memberships written straight into the store (no REST, no scrypt, no events), as
 * tests of large guilds need. A guild role that already cached the guild counts them when a member event makes it
 * read its member count again (a join or a leave over REST).
 */
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';
import type { Store } from '../../src/store/types.ts';

/** Ids no user registered over REST will take (a worker and process id of their own). */
const fillerIds = new SnowflakeGenerator({ workerId: 29, processId: 29 });

/**
 * Adds `count` new users to the guild, offline, named `filler_<id>` with global name `Filler <n>` (zero-padded to
 * three digits, so they sort in order), holding `roles`. Returns their ids in order.
 */
export async function addFillerMembers(store: Store, guildId: string, count: number, opts: { roles?: string[] } = {}): Promise<string[]> {
  const now = Date.now();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = fillerIds.next();
    await store.users.create({ id, username: `filler_${id}`, discriminator: '0', globalName: `Filler ${String(i).padStart(3, '0')}`, avatar: null,
      banner: null, bio: '', email: null, passwordHash: null, bot: false, system: false, flags: 0, createdAt: now });
    await store.members.add({ guildId, userId: id, nick: null, avatar: null, roles: opts.roles ?? [], joinedAt: now, deaf: false, mute: false, pending: false,
      communicationDisabledUntil: null, flags: 0 });
    out.push(id);
  }
  return out;
}
