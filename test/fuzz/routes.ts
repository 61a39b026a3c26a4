/**
 * Every REST route the running app serves, read from Fastify's own route tree (`printRoutes`), so a route added
 * tomorrow is fuzzed without anyone listing it. The tree prints one node per line, indented four columns per
 * level, each with the path segment it adds and its methods: `│   ├── /:messageId (GET, HEAD, PATCH, DELETE)`.
 */
import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  /** Full path with Fastify parameters, e.g. /api/v10/channels/:channelId/messages. */
  url: string;
  /** Parameter names in path order. */
  params: string[];
}

const LINE = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u;

export function listRoutes(app: FastifyInstance, prefix: string): RouteEntry[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: RouteEntry[] = [];
  for (const line of tree.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    if (!m[3]) continue;
    const url = stack.join('').replace(/^\/+/, '/');
    if (!url.startsWith(prefix) || url.includes('*')) continue;
    const params = [...url.matchAll(/:(\w+)/g)].map((p) => p[1]!);
    for (const method of m[3].split(', ')) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      out.push({ method, url, params });
    }
  }
  return out;
}
