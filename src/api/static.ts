/**
 * The `web` role's files, served by the api process: the built web client (web/dist) at `/`.
 * - `/assets/*` are content-hashed by the build, so they are cached forever (`immutable`); a missing asset is
 *   a 404, never index.html (an HTML body cached for a year under a .js name would break the app until the
 *   cache is cleared).
 * - Every other GET that names no file gets index.html with `no-cache` (revalidated through its ETag), so
 *   client-side routes such as /invite/{code} and /channels/{guild}/{channel} load the app.
 * - /api, /gateway, /healthz, /readyz, /metrics and the CDN's paths (media/cdn-paths.ts) are never answered
 *   here: they fall through to the JSON 404.
 * No @fastify/static: a stat, a read stream and a small type table are all this needs.
 */
import { createReadStream, existsSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CDN_PATH_PREFIXES } from '../media/cdn-paths.ts';

const RESERVED_PREFIXES = ['/api', '/gateway', '/healthz', '/readyz', '/metrics', ...CDN_PATH_PREFIXES];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The app only talks to its own origin (REST and the gateway's ws/wss); inline scripts are never needed, and
 * message content is rendered as React text, so this policy is a second line of defence rather than the first.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Accord</title></head>
<body style="font-family:system-ui,sans-serif;background:#313338;color:#dbdee1;display:grid;place-items:center;height:100vh;margin:0">
<main style="max-width:32rem;padding:1rem"><h1>Accord is running</h1>
<p>The web client is not built. Run <code>npm run build:web</code> and reload this page.</p>
<p>The API is available under <code>/api/v10</code>.</p></main></body></html>
`;

function isReserved(urlPath: string): boolean {
  return RESERVED_PREFIXES.some((p) => urlPath === p || urlPath.startsWith(`${p}/`));
}

function etagOf(st: Stats): string {
  return `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
}

async function fileAt(root: string, urlPath: string): Promise<{ file: string; st: Stats } | null> {
  const file = path.resolve(root, `.${urlPath}`);
  // path.resolve collapses `..`; anything that lands outside the root is not ours to serve.
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  const st = await stat(file).catch(() => null);
  return st?.isFile() ? { file, st } : null;
}

function send(request: FastifyRequest, reply: FastifyReply, file: string, st: Stats, cacheControl: string) {
  const etag = etagOf(st);
  reply
    .header('cache-control', cacheControl)
    .header('etag', etag)
    .header('last-modified', st.mtime.toUTCString())
    .header('x-content-type-options', 'nosniff');
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  if (type.startsWith('text/html')) reply.header('content-security-policy', CSP).header('referrer-policy', 'strict-origin-when-cross-origin');
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  reply.type(type).header('content-length', st.size);
  if (request.method === 'HEAD') return reply.send();
  return reply.send(createReadStream(file));
}

export async function registerStatic(app: FastifyInstance, opts: { root: string }): Promise<void> {
  const root = path.resolve(opts.root);
  const indexFile = path.join(root, 'index.html');

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    } catch {
      return reply.callNotFound();
    }
    if (isReserved(urlPath) || urlPath.includes('\0')) return reply.callNotFound();

    // Checked per request so a build made while the server runs is picked up without a restart.
    if (!existsSync(indexFile)) {
      return reply.status(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    }
    const found = urlPath.endsWith('/') ? null : await fileAt(root, urlPath);
    if (found) return send(request, reply, found.file, found.st, urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
    if (urlPath.startsWith('/assets/')) return reply.callNotFound();
    const index = await stat(indexFile).catch(() => null);
    if (!index) return reply.callNotFound();
    return send(request, reply, indexFile, index, 'no-cache');
  };

  app.get('/', handler);
  app.get('/*', handler);
}
