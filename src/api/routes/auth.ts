/**
 * Accounts: POST /auth/register, /auth/login, /auth/logout. Tokens have Discord's shape (lib/secrets.ts); only
 * the hash of their secret is stored, so a leaked database does not leak working tokens.
 */
import { hashPassword, issueToken, parseToken, verifyPassword } from '../../lib/secrets.ts';
import { ApiError, ErrorCodes, formError } from '../../protocol/errors.ts';
import { RouteLimits } from '../ratelimit.ts';
import type { RouteContext } from '../route.ts';
import { parse, z } from '../validate.ts';

/** Discord's "pomelo" usernames: lowercase letters, digits, `_` and `.`, 2–32 characters. */
export const usernameSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().min(2).max(32).regex(/^[a-z0-9_.]+$/, 'Username can only contain a-z, 0-9, _ and .'));

const registerBody = z.object({
  username: usernameSchema,
  password: z.string().min(8).max(72),
  email: z.string().max(320).email().nullish(),
  global_name: z.string().max(32).nullish(),
});

const loginBody = z.object({
  login: z.string().min(1).max(320),
  password: z.string().min(1).max(128),
});

export function registerAuthRoutes(ctx: RouteContext): void {
  const { store, ids, config, now } = ctx.deps;

  ctx.post('/auth/register', { auth: 'none', limit: RouteLimits.auth, status: 201 }, async (req) => {
    if (!config.registrationOpen) throw new ApiError(ErrorCodes.GENERAL, { status: 403, message: 'Registration is closed on this server' });
    const body = parse(registerBody, req.body);
    const id = ids.next();
    const at = now();
    const issued = issueToken(id, at);
    // One transaction for the account and its first token: registration answers with a token or creates nothing.
    // A username or email already taken surfaces as the store's ConflictError → 50035 USERNAME_ALREADY_TAKEN.
    await store.users.create({
      id,
      username: body.username,
      discriminator: '0',
      globalName: body.global_name?.trim() || null,
      avatar: null,
      banner: null,
      bio: '',
      email: body.email ?? null,
      passwordHash: await hashPassword(body.password),
      bot: false,
      system: false,
      flags: 0,
      createdAt: at,
    }, { userId: id, hash: issued.hash, kind: 'user', createdAt: at });
    return { token: issued.token };
  });

  ctx.post('/auth/login', { auth: 'none', limit: RouteLimits.auth }, async (req) => {
    const body = parse(loginBody, req.body);
    const user = await store.users.findByLogin(body.login.trim());
    // verifyPassword hashes even without a stored hash: an unknown login and a wrong password take as long,
    // and answer the same, so the endpoint does not reveal which accounts exist.
    const ok = await verifyPassword(body.password, user && !user.bot ? user.passwordHash : null);
    if (!user || user.bot || !ok) {
      const message = 'Login or password is invalid.';
      throw formError([
        { path: ['login'], code: 'INVALID_LOGIN', message },
        { path: ['password'], code: 'INVALID_LOGIN', message },
      ]);
    }
    return { token: await newUserToken(ctx, user.id), user_id: user.id };
  });

  ctx.post('/auth/logout', { auth: 'user', limit: RouteLimits.auth }, async (req) => {
    const parsed = parseToken(req.token);
    if (parsed) await store.tokens.delete(parsed.userId, parsed.hash);
    return undefined;
  });
}

async function newUserToken(ctx: RouteContext, userId: string): Promise<string> {
  const issued = issueToken(userId, ctx.deps.now());
  await ctx.deps.store.tokens.create({ userId, hash: issued.hash, kind: 'user', createdAt: ctx.deps.now() });
  return issued.token;
}
