/**
 * The bare-WebSocket floor: the least a server must do to deliver the same frames to the same clients. It
 * speaks just enough gateway for the load workers (HELLO, IDENTIFY → a small READY and one GUILD_CREATE,
 * heartbeat ACKs) and takes POST /api/v10/channels/{id}/messages like Accord; each post becomes one
 * MESSAGE_CREATE built from a template (a payload Accord sent in the same run, so the bytes match), serialised
 * once and written to every socket with only `s` differing. zlib-stream connections get one deflate context
 * each, flushed with Z_SYNC_FLUSH synchronously. No store, no bus, no permissions, no resume deque.
 *
 *   node --import tsx bench/lib/floor-server.ts   (PORT, FLOOR_TEMPLATE=<file with a MESSAGE_CREATE d>)
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { reserveFdTable } from '../../src/lib/fd-table.ts';
import { SyncZlib } from './zlib-sync.ts';

interface Conn {
  ws: WebSocket;
  seq: number;
  deflate: SyncZlib | null;
  ready: boolean;
}

const port = Number(process.env.PORT ?? 0);
const template: Record<string, unknown> = process.env.FLOOR_TEMPLATE
  ? JSON.parse(readFileSync(process.env.FLOOR_TEMPLATE, 'utf8'))
  : {
      id: '0', type: 0, content: '', channel_id: '0', author: { id: '1', username: 'bench', avatar: null, discriminator: '0', public_flags: 0, flags: 0, bot: false, global_name: null },
      attachments: [], embeds: [], mentions: [], mention_roles: [], pinned: false, mention_everyone: false, tts: false, timestamp: '', edited_timestamp: null, flags: 0,
      components: [], guild_id: '0', member: { roles: [], nick: null, avatar: null, joined_at: '', deaf: false, mute: false, flags: 0, pending: false, communication_disabled_until: null },
    };
const conns = new Set<Conn>();
let nextId = BigInt(Date.now() - 1420070400000) << 22n;

function write(c: Conn, frame: string): void {
  if (c.deflate) c.ws.send(c.deflate.push(Buffer.from(frame)), { binary: true });
  else c.ws.send(frame);
}

const op = (o: number, d: unknown) => JSON.stringify({ op: o, d, s: null, t: null });
const dispatch = (c: Conn, t: string, json: string) => write(c, `{"op":0,"t":"${t}","s":${++c.seq},"d":${json}}`);

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) return res.end('{"ok":true}');
  const m = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(req.url ?? '');
  if (req.method !== 'POST' || !m) {
    res.statusCode = 404;
    return res.end();
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { content: string };
    const id = String(++nextId);
    const d = { ...template, id, content: body.content, channel_id: m[1], timestamp: new Date().toISOString() };
    const json = JSON.stringify(d);
    for (const c of conns) if (c.ready) dispatch(c, 'MESSAGE_CREATE', json);
    res.setHeader('content-type', 'application/json');
    res.end(json);
  });
});

const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws, req) => {
  const zlibStream = new URL(req.url ?? '/', 'http://x').searchParams.get('compress') === 'zlib-stream';
  const c: Conn = { ws, seq: 0, deflate: zlibStream ? new SyncZlib('deflate') : null, ready: false };
  conns.add(c);
  ws.on('close', () => {
    conns.delete(c);
    c.deflate?.close();
  });
  ws.on('error', () => {});
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { op: number; d: any };
    if (msg.op === 1) return write(c, op(11, null));
    if (msg.op === 2) {
      const guildId = String(template.guild_id ?? '0');
      dispatch(c, 'READY', JSON.stringify({ v: 10, user: { id: '1', username: 'bench' }, guilds: [{ id: guildId, unavailable: true }], session_id: 'floor', resume_gateway_url: `ws://127.0.0.1:${port}` }));
      dispatch(c, 'GUILD_CREATE', JSON.stringify({ id: guildId, name: 'floor', channels: [], members: [], roles: [] }));
      c.ready = true;
    }
  });
  write(c, op(10, { heartbeat_interval: 41_250 }));
});

// As Accord's `npm start` does (src/lib/fd-table.ts): the floor must not stall where Accord does not.
reserveFdTable(16_384);
server.listen(port, '127.0.0.1', () => process.stderr.write(`floor server on 127.0.0.1:${(server.address() as { port: number }).port}\n`));
const stop = () => {
  for (const c of conns) c.ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
