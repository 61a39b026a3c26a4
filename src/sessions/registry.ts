/**
 * The sessions of this node, indexed by id, by user, and by guild (only guilds whose GUILD_CREATE the session
 * has received, i.e. the ones whose events it gets). The guild index drives the guild cache's lifetime.
 */
import type { Session } from './session.ts';

export class SessionRegistry {
  readonly #byId = new Map<string, Session>();
  readonly #byUser = new Map<string, Set<Session>>();
  readonly #byGuild = new Map<string, Set<Session>>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Session | undefined {
    return this.#byId.get(id);
  }

  all(): IterableIterator<Session> {
    return this.#byId.values();
  }

  forUser(userId: string): ReadonlySet<Session> | undefined {
    return this.#byUser.get(userId);
  }

  forGuild(guildId: string): ReadonlySet<Session> | undefined {
    return this.#byGuild.get(guildId);
  }

  /** Whether any local session of the user receives the guild. */
  userHasGuild(userId: string, guildId: string): boolean {
    for (const s of this.#byUser.get(userId) ?? []) if (s.guilds.get(guildId) === 'available') return true;
    return false;
  }

  add(session: Session): void {
    this.#byId.set(session.id, session);
    add(this.#byUser, session.user.id, session);
  }

  /** Removes the session from every index; returns the guilds that no local session receives any more. */
  remove(session: Session): string[] {
    this.#byId.delete(session.id);
    remove(this.#byUser, session.user.id, session);
    const orphaned: string[] = [];
    for (const [guildId, status] of session.guilds) {
      if (status === 'available' && this.unlinkGuild(session, guildId)) orphaned.push(guildId);
    }
    return orphaned;
  }

  linkGuild(session: Session, guildId: string): void {
    add(this.#byGuild, guildId, session);
  }

  /** True when the guild has no local session left. */
  unlinkGuild(session: Session, guildId: string): boolean {
    remove(this.#byGuild, guildId, session);
    return !this.#byGuild.has(guildId);
  }
}

function add<K>(map: Map<K, Set<Session>>, key: K, s: Session) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(s);
}

function remove<K>(map: Map<K, Set<Session>>, key: K, s: Session) {
  const set = map.get(key);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) map.delete(key);
}
