/**
 * Relationships (friends, blocks, friend requests) as Discord's own client uses them under /users/@me/relationships.
 * Each side of a pair has its own record (store RelationshipStore): a request is PENDING_OUTGOING for the sender and
 * PENDING_INCOMING for the receiver, a friendship FRIEND on both sides, a block BLOCKED on the blocker's side only.
 * Every change tells each side's sessions with RELATIONSHIP_ADD (the relationship object) or RELATIONSHIP_REMOVE
 * (`{id, type}`), on the user subjects like every other user-targeted dispatch. Bots have no relationships: these
 * routes answer them 20001, and READY gives them an empty list.
 *
 * Not modelled: Discord's "who can send you a friend request" privacy setting (its 80000 is never answered), and
 * friend suggestions / implicit relationships (type 5).
 */
import { ApiError, ErrorCodes } from '../../protocol/errors.ts';
import { isSnowflake } from '../../protocol/snowflake.ts';
import { RelationshipType, type RelationshipPair, type RelationshipRecord, type RelationshipTypeValue, type UserRecord } from '../../store/types.ts';
import type { RouteContext, RouteRequest } from '../route.ts';
import { readyRelationships, relationshipJson } from '../../shapes/relationship.ts';
import { parse, z } from '../validate.ts';

const putBody = z.object({ type: z.union([z.literal(1), z.literal(2)]).nullish() });
const postBody = z.object({
  username: z.string().min(1).max(32),
  // Discord's client sends null for the new unique usernames; a legacy tag as a number or a string.
  discriminator: z.union([z.number().int().min(0).max(9999), z.string().regex(/^\d{1,4}$/)]).nullish(),
});
const patchBody = z.object({ nickname: z.string().max(32).nullish() });

function userOnly(req: RouteRequest): void {
  if (req.user.bot) throw new ApiError(ErrorCodes.BOTS_CANNOT_USE_ENDPOINT);
}

const noteBody = z.object({ note: z.string().max(256).nullish() });

export function registerRelationshipsRoutes(ctx: RouteContext): void {
  const { store, now } = ctx.deps;

  // User notes (Discord's client API): a private note on another user, shown on their profile card. Users only.
  ctx.get('/users/@me/notes', { auth: 'user' }, async (req) => Object.fromEntries(await store.relationships.listNotes(req.user.id)));
  ctx.get('/users/@me/notes/:userId', { auth: 'user' }, async (req) => {
    const note = isSnowflake(req.params.userId) ? await store.relationships.getNote(req.user.id, req.params.userId) : null;
    // No note on someone is Discord's 404 Unknown User.
    if (note === null) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    return { user_id: req.user.id, note_user_id: req.params.userId, note };
  });
  ctx.put('/users/@me/notes/:userId', { auth: 'user' }, async (req) => {
    const body = parse(noteBody, req.body ?? {});
    const target = isSnowflake(req.params.userId) ? await store.users.get(req.params.userId) : null;
    if (!target) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    const note = (body.note ?? '').trim();
    await store.relationships.setNote(req.user.id, target.id, note);
    // The user's other sessions (another tab, another device) show it at once.
    ctx.dispatch.users([req.user.id], 'USER_NOTE_UPDATE', { id: target.id, note });
    return undefined;
  });

  const target = async (req: RouteRequest<{ userId: string }>): Promise<UserRecord> => {
    const user = isSnowflake(req.params.userId) ? await store.users.get(req.params.userId) : null;
    if (!user) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    return user;
  };

  const record = (userId: string, targetId: string, type: RelationshipTypeValue, at: number, nickname: string | null = null): RelationshipRecord => ({ userId, targetId, type, nickname, since: at });

  /** Tells both users' sessions what changed on their side. */
  const announce = (me: UserRecord, other: UserRecord, before: RelationshipPair, after: RelationshipPair) => {
    const side = (owner: UserRecord, seen: UserRecord, was: RelationshipRecord | null, now: RelationshipRecord | null) => {
      if (now && (!was || was.type !== now.type)) {
        ctx.dispatch.users([owner.id], 'RELATIONSHIP_ADD', { ...relationshipJson(now, seen), ...(now.type === RelationshipType.PENDING_INCOMING ? { should_notify: true } : {}) });
      } else if (!now && was) {
        ctx.dispatch.users([owner.id], 'RELATIONSHIP_REMOVE', { id: seen.id, type: was.type });
      }
    };
    side(me, other, before.ab, after.ab);
    side(other, me, before.ba, after.ba);
  };

  /** Sends a friend request, or accepts the other's incoming one. */
  const befriend = async (me: UserRecord, other: UserRecord) => {
    if (other.id === me.id) throw new ApiError(ErrorCodes.CANNOT_FRIEND_SELF);
    if (other.bot) throw new ApiError(ErrorCodes.BOTS_CANNOT_HAVE_FRIENDS);
    const at = now();
    const { before, after } = await store.relationships.update(me.id, other.id, ({ ab, ba }) => {
      if (ba?.type === RelationshipType.BLOCKED) throw new ApiError(ErrorCodes.FRIEND_REQUEST_BLOCKED);
      if (ab?.type === RelationshipType.FRIEND) throw new ApiError(ErrorCodes.ALREADY_FRIENDS);
      if (ab?.type === RelationshipType.PENDING_OUTGOING) return { ab, ba };
      if (ab?.type === RelationshipType.PENDING_INCOMING) {
        return { ab: record(me.id, other.id, RelationshipType.FRIEND, at, ab.nickname), ba: record(other.id, me.id, RelationshipType.FRIEND, at, ba?.nickname ?? null) };
      }
      // No relationship, or one the caller blocked: a request replaces the block, as on Discord.
      return { ab: record(me.id, other.id, RelationshipType.PENDING_OUTGOING, at), ba: record(other.id, me.id, RelationshipType.PENDING_INCOMING, at) };
    });
    announce(me, other, before, after);
  };

  ctx.get('/users/@me/relationships', {}, async (req) => {
    userOnly(req);
    return readyRelationships(store, req.user);
  });

  ctx.put('/users/@me/relationships/:userId', {}, async (req) => {
    userOnly(req);
    const body = parse(putBody, req.body ?? {});
    const other = await target(req);
    const me = req.user;
    if (body.type !== RelationshipType.BLOCKED) {
      await befriend(me, other);
      return undefined;
    }
    if (other.id === me.id) throw new ApiError(ErrorCodes.CANNOT_FRIEND_SELF);
    const at = now();
    // A block replaces whatever the caller had with the user and removes the other side's friendship or request;
    // a block the other user holds stays.
    const { before, after } = await store.relationships.update(me.id, other.id, ({ ab, ba }) => ({
      ab: ab?.type === RelationshipType.BLOCKED ? ab : record(me.id, other.id, RelationshipType.BLOCKED, at),
      ba: ba?.type === RelationshipType.BLOCKED ? ba : null,
    }));
    announce(me, other, before, after);
    return undefined;
  });

  ctx.post('/users/@me/relationships', {}, async (req) => {
    userOnly(req);
    const body = parse(postBody, req.body);
    const found = await store.users.findByLogin(body.username);
    const discriminator = body.discriminator === null || body.discriminator === undefined ? null : String(body.discriminator).padStart(4, '0');
    const matches = found && found.username.toLowerCase() === body.username.toLowerCase() && (discriminator === null || discriminator === '0000' || discriminator === found.discriminator.padStart(4, '0'));
    if (!found || !matches) throw new ApiError(ErrorCodes.NO_USERS_WITH_TAG);
    await befriend(req.user, found);
    return undefined;
  });

  ctx.delete('/users/@me/relationships/:userId', {}, async (req) => {
    userOnly(req);
    const other = await target(req);
    const me = req.user;
    if (other.id === me.id) return undefined;
    // Removing a friend or a request ends both sides; unblocking ends only the caller's block.
    const { before, after } = await store.relationships.update(me.id, other.id, ({ ab, ba }) => {
      if (!ab) return { ab, ba };
      if (ab.type === RelationshipType.BLOCKED) return { ab: null, ba };
      return { ab: null, ba: ba?.type === RelationshipType.BLOCKED ? ba : null };
    });
    announce(me, other, before, after);
    return undefined;
  });

  ctx.patch('/users/@me/relationships/:userId', {}, async (req) => {
    userOnly(req);
    const body = parse(patchBody, req.body ?? {});
    const other = await target(req);
    const updated = await store.relationships.setNickname(req.user.id, other.id, body.nickname?.trim() || null);
    if (!updated) throw new ApiError(ErrorCodes.UNKNOWN_USER);
    ctx.dispatch.users([req.user.id], 'RELATIONSHIP_UPDATE', relationshipJson(updated, other));
    return undefined;
  });
}
