/**
 * Benchmark setup through Accord's REST API, as a client would do it: register users (POST /auth/register),
 * create a guild (POST /guilds), an invite (POST /channels/{id}/invites) and join it (POST /invites/{code}).
 *
 * Registration costs one scrypt hash on the server (~50–100 ms of CPU here), so benchmarks register at most
 * `users` accounts and spread their sessions over them round-robin (a user may hold several sessions, as with
 * a desktop and a phone). The auth bucket is per IP (5 per minute × the raised scale); past 4,000 accounts the
 * requests are spread over source addresses 127.0.0.2… (still loopback, still to 127.0.0.1).
 */
import { randomBytes } from 'node:crypto';
import { api, log, pool } from './common.ts';
import { openStore } from '../../src/store/open.ts';
import { SnowflakeGenerator } from '../../src/protocol/snowflake.ts';

export interface BenchUser {
  id: string;
  token: string;
}

export interface BenchGuild {
  owner: BenchUser;
  users: BenchUser[];
  guildId: string;
  channelId: string;
}

export async function registerUsers(base: string, n: number, concurrency = 4): Promise<BenchUser[]> {
  const tag = randomBytes(3).toString('hex');
  const t0 = performance.now();
  const users = await pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
    const localAddress = n > 4000 ? `127.0.0.${1 + (i % 8)}` : undefined;
    const { token } = await api<{ token: string }>(base, 'POST', '/auth/register', { username: `b${tag}_${i}`, password: 'bench-password-1' }, undefined, { localAddress });
    const id = Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8');
    if (i > 0 && i % 250 === 0) log(`  registered ${i}/${n} users`);
    return { id, token };
  });
  log(`  registered ${n} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return users;
}

/** users[0] creates the guild; the rest join through one invite. channelId is the default #general. */
export async function guildWithMembers(base: string, users: BenchUser[], name = 'bench'): Promise<BenchGuild> {
  const owner = users[0]!;
  const guild = await api<{ id: string; system_channel_id: string | null }>(base, 'POST', '/guilds', { name }, owner.token);
  const channels = await api<Array<{ id: string; type: number; name: string }>>(base, 'GET', `/guilds/${guild.id}/channels`, undefined, owner.token);
  const channelId = guild.system_channel_id ?? channels.find((c) => c.type === 0)!.id;
  const invite = await api<{ code: string }>(base, 'POST', `/channels/${channelId}/invites`, { max_age: 0, max_uses: 0 }, owner.token);
  const t0 = performance.now();
  await pool(users.slice(1), 16, (u) => api(base, 'POST', `/invites/${invite.code}`, {}, u.token));
  log(`  ${users.length - 1} users joined the guild in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { owner, users, guildId: guild.id, channelId };
}

/**
 * N bots added to the guild by its owner, with the MESSAGE_CONTENT intent allowed (their application's flag). Bot i's
 * application belongs to guild.users[i % users] (a user may own only so many applications). Their tokens are the
 * bare tokens (IDENTIFY takes them with or without `Bot `).
 */
export async function addBots(base: string, guild: BenchGuild, n: number): Promise<BenchUser[]> {
  const t0 = performance.now();
  const bots = await pool(Array.from({ length: n }, (_, i) => i), 4, async (i) => {
    const appOwner = guild.users[i % guild.users.length]!;
    const app = await api<{ id: string }>(base, 'POST', '/applications', { name: `Bench Bot ${i}` }, appOwner.token);
    await api(base, 'PATCH', `/applications/${app.id}`, { flags: 1 << 18 }, appOwner.token);
    const { token } = await api<{ token: string }>(base, 'POST', `/applications/${app.id}/bot/reset`, {}, appOwner.token);
    await api(base, 'POST', `/oauth2/authorize?client_id=${app.id}&scope=bot`, { guild_id: guild.guildId, authorize: true, permissions: '3072' }, guild.owner.token);
    return { id: app.id, token };
  });
  log(`  ${n} bots added to the guild in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return bots;
}

export async function createTextChannels(base: string, owner: BenchUser, guildId: string, n: number): Promise<string[]> {
  return pool(Array.from({ length: n }, (_, i) => i), 8, async (i) => {
    const c = await api<{ id: string }>(base, 'POST', `/guilds/${guildId}/channels`, { name: `bench-${i}`, type: 0 }, owner.token);
    return c.id;
  });
}

/**
 * `count` filler users, each made a member of every guild listed, written straight into the SQLite store of a
 * stopped server's data folder through the store API (src/store/open.ts): registering and joining this many
 * through REST would take far longer than the measurement. The fillers never connect (they stay offline).
 */
export async function addFillerMembers(dataDir: string, guildIds: string[], count: number): Promise<string[]> {
  const t0 = performance.now();
  const store = await openStore({ dataDir });
  const fillers: string[] = [];
  try {
    const ids = new SnowflakeGenerator({ workerId: 31, processId: 31 });
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const id = ids.next();
      await store.users.create({ id, username: `filler_${i}`, discriminator: '0', globalName: `Filler ${i}`, avatar: null, banner: null, bio: '', email: null,
        passwordHash: null, bot: false, system: false, flags: 0, createdAt: now });
      fillers.push(id);
    }
    for (const guildId of guildIds) {
      for (let i = 0; i < fillers.length; i++) {
        await store.members.add({ guildId, userId: fillers[i]!, nick: null, avatar: null, roles: [], joinedAt: now, deaf: false, mute: false, pending: false, communicationDisabledUntil: null, flags: 0 });
        if (count >= 50_000 && i > 0 && i % 25_000 === 0) log(`  ${i}/${count} filler memberships of guild ${guildId}`);
      }
    }
  } finally {
    await store.close();
  }
  log(`  seeded ${count} users and ${count * guildIds.length} memberships through the store in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return fillers;
}
