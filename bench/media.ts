/**
 * media: the file paths of Accord against `npm start` (SQLite and the files blob store in a temp folder), all on
 * 127.0.0.1, one request at a time so each number is a latency or a single stream's throughput:
 *
 *   (a) attachments: upload throughput of 1 MiB and 25 MiB files through POST /channels/{id}/messages
 *       (multipart: payload_json + files[0], Discord's format) and download throughput from the attachment's
 *       signed URL, against the floor of this machine's disk: fs.copyFile of a temp file of the same bytes;
 *   (b) avatars: latency of the CDN's resized avatars (`/avatars/{id}/{hash}.{png|webp|jpg}?size=`), cold (the
 *       first request of each size and format of a new avatar, set through PATCH /users/@me with a data URI)
 *       and cached (the same URLs again);
 *   (c) unfurls: send → MESSAGE_UPDATE with the link embed on the gateway, for pages of a local OpenGraph site
 *       (allow-listed with ACCORD_EMBED_ALLOW_HOSTS=127.0.0.1), each URL new (nothing cached);
 *   (d) the embed image proxy: its /external URL of each page's og:image, cold (fetched from the site into the
 *       blob store) and cached.
 *
 *   npm run bench -- media [--quick] [--small N] [--large N] [--avatars N] [--unfurls N]
 *
 * Upload limits are raised for the 25 MiB case (ACCORD_ATTACHMENT_MAX_BYTES, ACCORD_MESSAGE_UPLOAD_MAX_BYTES).
 * A part that fails (its feature missing or broken) is reported as failed and the others still run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import { Args, cpuSeconds, Hist, Intents, LOAD_LIMITS, log, request, round, startAccord, table, writeResults, type ServerProcess } from './lib/common.ts';
import { guildWithMembers, registerUsers, type BenchUser } from './lib/setup.ts';

const MiB = 1024 * 1024;
const UPLOAD_LIMIT = String(32 * MiB);
const AVATAR_SIZES = [16, 32, 64, 128, 256, 512];
const AVATAR_FORMATS = ['png', 'webp', 'jpg'];
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export async function main(args: string[]): Promise<void> {
  const a = new Args(args);
  const quick = a.has('quick');
  const p = {
    smallRuns: a.int('small', quick ? 8 : 30, 1, 10_000),
    largeRuns: a.int('large', quick ? 3 : 8, 1, 1_000),
    avatarUsers: a.int('avatars', quick ? 2 : 6, 1, 100),
    cachedRepeats: 5,
    unfurls: a.int('unfurls', quick ? 15 : 60, 1, 10_000),
  };
  const env = { ACCORD_ATTACHMENT_MAX_BYTES: UPLOAD_LIMIT, ACCORD_MESSAGE_UPLOAD_MAX_BYTES: UPLOAD_LIMIT, ACCORD_EMBED_ALLOW_HOSTS: '127.0.0.1' };
  const loadBefore = os.loadavg();
  log(`media bench: ${p.smallRuns} × 1 MiB and ${p.largeRuns} × 25 MiB attachments, ${p.avatarUsers} avatars × ${AVATAR_SIZES.length} sizes × ${AVATAR_FORMATS.length} formats, ${p.unfurls} unfurls`);
  const results: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  const part = async (name: string, fn: () => Promise<unknown>) => {
    try {
      results[name] = await fn();
    } catch (err) {
      failures[name] = (err as Error).message.slice(0, 300);
      log(`  ${name} FAILED: ${failures[name]}`);
    }
  };

  const server = await startAccord({ env });
  const site = await startOgSite();
  try {
    const users = await registerUsers(server.url, 1 + p.avatarUsers);
    const g = await guildWithMembers(server.url, users.slice(0, 1));
    await part('attachments1MiB', () => attachments(server, g.owner, g.channelId, MiB, p.smallRuns, 3));
    await part('attachments25MiB', () => attachments(server, g.owner, g.channelId, 25 * MiB, p.largeRuns, 1));
    await part('avatars', () => avatars(server.url, users.slice(1), p.cachedRepeats));
    await part('unfurls', () => unfurls(server.url, g.owner, g.channelId, site, p.unfurls, p.cachedRepeats));
  } finally {
    await site.close();
    await server.stop();
    agent.destroy();
  }

  const r = results as any;
  const through = (name: string, label: string) => {
    const x = r[name];
    if (!x) return [label, 'failed', '-', '-', '-', '-', '-', '-'];
    return [label, x.runs, x.uploadMiBps, x.downloadMiBps, x.diskCopyMiBps, `${x.uploadVsDisk}`, `${x.downloadVsDisk}`, x.serverCpuMsPerMiBUpload];
  };
  console.log('\nattachments: one stream at a time, MiB/s (median of runs); floor = fs.copyFile of the same bytes');
  console.log(table([
    ['file', 'runs', 'upload MiB/s', 'download MiB/s', 'disk copy MiB/s', 'upload/disk', 'download/disk', 'server cpu ms/MiB up'],
    through('attachments1MiB', '1 MiB'),
    through('attachments25MiB', '25 MiB'),
  ]));
  const lat = (label: string, s: any) => (s ? [label, s.count, s.p50Ms, s.p99Ms, s.maxMs] : [label, 'failed', '-', '-', '-']);
  console.log('\nlatency, one request at a time (ms)');
  console.log(table([
    ['what', 'requests', 'p50', 'p99', 'max'],
    lat('avatar resize, cold (first per size/format)', r.avatars?.cold),
    lat('avatar resize, cached', r.avatars?.cached),
    lat('unfurl: send → MESSAGE_UPDATE', r.unfurls?.unfurl),
    lat('embed image proxy, cold (origin fetch)', r.unfurls?.proxyCold),
    lat('embed image proxy, cached', r.unfurls?.proxyCached),
  ]));
  if (Object.keys(failures).length) console.log(`\nFAILED: ${JSON.stringify(failures, null, 1)}`);
  writeResults('media', { ...p, serverEnv: { ...LOAD_LIMITS, ...env } }, loadBefore, { ...results, failures });
}

// ------------------------------------------------------------------------------------------------ (a) attachments

async function attachments(server: ServerProcess, owner: BenchUser, channelId: string, size: number, runs: number, warmup: number) {
  const dir = await mkdtemp(join(os.tmpdir(), 'accord-media-floor-'));
  try {
    const base = randomBytes(size);
    const up: number[] = [];
    const down: number[] = [];
    const disk: number[] = [];
    let upCpu = 0;
    let downCpu = 0;
    for (let i = -warmup; i < runs; i++) {
      // Different bytes each run: a content-addressed store must not skip the write.
      const bytes = Buffer.from(base);
      bytes.writeUInt32BE(i + warmup, 0);
      const filename = `bench-${size}-${i + warmup}.bin`;
      const cpu0 = cpuSeconds(server.pid);
      const t0 = performance.now();
      const message = await uploadMessage(server.url, owner.token, channelId, filename, bytes);
      const t1 = performance.now();
      const cpu1 = cpuSeconds(server.pid);
      const url = message.attachments?.[0]?.url as string | undefined;
      if (!url) throw new Error(`the message has no attachment: ${JSON.stringify(message).slice(0, 200)}`);
      const got = await download(url);
      const t2 = performance.now();
      const cpu2 = cpuSeconds(server.pid);
      if (got.size !== size || got.sha256 !== createHash('sha256').update(bytes).digest('hex')) throw new Error(`download of ${url} returned other bytes (${got.size} bytes)`);
      // The floor: the same bytes copied file to file on this machine's disk.
      const src = join(dir, `src-${i + warmup}`);
      await writeFile(src, bytes);
      const t3 = performance.now();
      await copyFile(src, join(dir, `dst-${i + warmup}`));
      const t4 = performance.now();
      await rm(src);
      await rm(join(dir, `dst-${i + warmup}`));
      if (i < 0) continue;
      up.push(mibps(size, t1 - t0));
      down.push(mibps(size, t2 - t1));
      disk.push(mibps(size, t4 - t3));
      upCpu += cpu1 - cpu0;
      downCpu += cpu2 - cpu1;
    }
    const uploadMiBps = median(up);
    const downloadMiBps = median(down);
    const diskCopyMiBps = median(disk);
    return {
      runs, bytes: size, uploadMiBps, downloadMiBps, diskCopyMiBps,
      uploadVsDisk: round(uploadMiBps / diskCopyMiBps, 2), downloadVsDisk: round(downloadMiBps / diskCopyMiBps, 2),
      uploadMiBpsMin: round(Math.min(...up), 1), downloadMiBpsMin: round(Math.min(...down), 1),
      serverCpuMsPerMiBUpload: round((1000 * upCpu) / ((runs * size) / MiB), 2), serverCpuMsPerMiBDownload: round((1000 * downCpu) / ((runs * size) / MiB), 2),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** POST /channels/{id}/messages as multipart/form-data: payload_json and files[0], streamed from memory. */
function uploadMessage(base: string, token: string, channelId: string, filename: string, bytes: Buffer): Promise<any> {
  const boundary = `----accordbench${randomBytes(8).toString('hex')}`;
  const payload = JSON.stringify({ content: '', attachments: [{ id: 0, filename }] });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\nContent-Type: application/json\r\n\r\n${payload}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="files[0]"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/v10/channels/${channelId}/messages`, {
      method: 'POST', agent,
      headers: { authorization: token, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + bytes.length + tail.length },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`upload → ${res.statusCode} ${text.slice(0, 300)}`));
        resolve(JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error('upload timed out')));
    req.on('error', reject);
    req.write(head);
    req.write(bytes);
    req.end(tail);
  });
}

/** GET of a URL, counting and hashing the bytes as they come. */
function download(url: string): Promise<{ size: number; sha256: string; status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      const hash = createHash('sha256');
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        hash.update(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url} → ${res.statusCode}`));
        resolve({ size, sha256: hash.digest('hex'), status: res.statusCode, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

// ------------------------------------------------------------------------------------------------ (b) avatars

async function avatars(base: string, users: BenchUser[], repeats: number) {
  const cold = new Hist();
  const cached = new Hist();
  const urls: string[] = [];
  for (const user of users) {
    // A distinct 512×512 picture per user (noise: no two share a stored blob or a cached rendition).
    const raw = randomBytes(512 * 512 * 3);
    const png = await sharp(raw, { raw: { width: 512, height: 512, channels: 3 } }).png().toBuffer();
    const res = await request('PATCH', `${base}/api/v10/users/@me`, { avatar: `data:image/png;base64,${png.toString('base64')}` }, { authorization: user.token });
    if (res.status !== 200 || typeof res.json?.avatar !== 'string') throw new Error(`PATCH /users/@me avatar → ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
    for (const size of AVATAR_SIZES) {
      for (const format of AVATAR_FORMATS) {
        const url = `${base}/avatars/${user.id}/${res.json.avatar}.${format}?size=${size}`;
        cold.add(await timedGet(url));
        urls.push(url);
      }
    }
  }
  for (let k = 0; k < repeats; k++) for (const url of urls) cached.add(await timedGet(url));
  return { users: users.length, sizes: AVATAR_SIZES, formats: AVATAR_FORMATS, cold: cold.summary(), cached: cached.summary() };
}

async function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  const got = await download(url);
  const ms = performance.now() - t0;
  if (got.size === 0) throw new Error(`GET ${url} returned no bytes`);
  return ms;
}


// ------------------------------------------------------------------------------------------------ (c, d) unfurls

interface OgSite {
  base: string;
  close(): Promise<void>;
}

/** Pages /page/{n} with an og:image /img/{n}.png (one 256×256 PNG behind every image path). */
async function startOgSite(): Promise<OgSite> {
  const png = await sharp(randomBytes(256 * 256 * 3), { raw: { width: 256, height: 256, channels: 3 } }).png().toBuffer();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/page/')) {
      const n = path.slice(6);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><head><title>Page ${n}</title>
<meta property="og:title" content="Bench page ${n}"><meta property="og:description" content="A page for the media benchmark">
<meta property="og:site_name" content="Bench"><meta property="og:image" content="/img/${n}.png"></head><body>${'<p>text</p>'.repeat(200)}</body></html>`);
    } else if (path.startsWith('/img/')) res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
    else res.writeHead(404).end();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function unfurls(base: string, owner: BenchUser, channelId: string, site: OgSite, n: number, repeats: number) {
  const gw = await GatewayWatch.connect(base, owner.token);
  try {
    const unfurl = new Hist();
    const proxyCold = new Hist();
    const proxyCached = new Hist();
    const tag = randomBytes(3).toString('hex');
    const proxied: string[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await request('POST', `${base}/api/v10/channels/${channelId}/messages`, { content: `have a look ${site.base}/page/${tag}-${i}` }, { authorization: owner.token });
      if (res.status !== 200) throw new Error(`send → ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
      const update = await gw.embedsOf(res.json.id, 15_000);
      unfurl.add(update.at - t0);
      const proxyUrl = update.embeds[0]?.thumbnail?.proxy_url ?? update.embeds[0]?.image?.proxy_url;
      if (typeof proxyUrl !== 'string' || !proxyUrl.startsWith(`${base}/external/`)) throw new Error(`the embed has no proxied image: ${JSON.stringify(update.embeds).slice(0, 300)}`);
      proxyCold.add(await timedGet(proxyUrl));
      proxied.push(proxyUrl);
    }
    for (let k = 0; k < repeats; k++) for (const url of proxied) proxyCached.add(await timedGet(url));
    return { unfurl: unfurl.summary(), proxyCold: proxyCold.summary(), proxyCached: proxyCached.summary() };
  } finally {
    gw.close();
  }
}

/** One gateway session that notes when each message's link embeds arrive (MESSAGE_UPDATE with embeds). */
class GatewayWatch {
  readonly #updates = new Map<string, { at: number; embeds: any[] }>();
  readonly #waiters = new Map<string, () => void>();
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(private readonly ws: WebSocket) {}

  static connect(base: string, token: string): Promise<GatewayWatch> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/gateway?v=10&encoding=json`, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    const watch = new GatewayWatch(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('gateway READY not received in 15 s')), 15_000);
      ws.on('error', (err) => reject(err));
      ws.on('message', (data: Buffer) => {
        const at = performance.now();
        const msg = JSON.parse(data.toString('utf8'));
        if (msg.op === 10) {
          watch.#heartbeat = setInterval(() => ws.send(JSON.stringify({ op: 1, d: null })), msg.d.heartbeat_interval);
          ws.send(JSON.stringify({ op: 2, d: { token, intents: Intents.GUILDS | Intents.GUILD_MESSAGES, properties: { os: 'linux', browser: 'bench', device: 'bench' } } }));
        } else if (msg.op === 0 && msg.t === 'READY') {
          clearTimeout(timer);
          resolve(watch);
        } else if (msg.op === 0 && msg.t === 'MESSAGE_UPDATE' && Array.isArray(msg.d.embeds) && msg.d.embeds.length > 0 && !watch.#updates.has(msg.d.id)) {
          watch.#updates.set(msg.d.id, { at, embeds: msg.d.embeds });
          watch.#waiters.get(msg.d.id)?.();
        }
      });
    });
  }

  /** The first MESSAGE_UPDATE with embeds for `id` (it may have come before the send's response did). */
  async embedsOf(id: string, timeoutMs: number): Promise<{ at: number; embeds: any[] }> {
    if (!this.#updates.has(id)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => (this.#waiters.delete(id), reject(new Error(`no MESSAGE_UPDATE with embeds for ${id} in ${timeoutMs} ms`))), timeoutMs);
        this.#waiters.set(id, () => (clearTimeout(timer), this.#waiters.delete(id), resolve()));
      });
    }
    return this.#updates.get(id)!;
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.ws.close(1000);
  }
}

// ------------------------------------------------------------------------------------------------ numbers

const mibps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return round(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, 1);
}
