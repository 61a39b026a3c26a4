/**
 * Who a request really comes from. Behind a reverse proxy the socket's address is the proxy's; the client is
 * in X-Forwarded-For. That header is believed only when the socket's peer is one of the configured trusted
 * proxies (ACCORD_TRUSTED_PROXIES), hop by hop from the right, so a client cannot name its own address and
 * escape per-IP limits. REST (Fastify's trustProxy) and gateway upgrades both resolve through the same list.
 */
import proxyaddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';

export type TrustProxy = false | ((addr: string, hop: number) => boolean);

/** The trust function for a list of addresses / CIDRs / `loopback`; false (trust nobody) for an empty list. */
export function trustProxies(list: readonly string[]): TrustProxy {
  if (!list.length) return false;
  try {
    return proxyaddr.compile([...list]);
  } catch (err) {
    // Named like a config error: the process stops at startup rather than trusting a half-read list.
    throw new Error(`invalid setting trustedProxies (ACCORD_TRUSTED_PROXIES / --trusted-proxies): ${(err as Error).message}`);
  }
}

/** The client address of `req`: the socket's peer, or the first untrusted hop of X-Forwarded-For. */
export function clientIp(req: IncomingMessage, trust: TrustProxy): string {
  if (!trust) return req.socket.remoteAddress ?? '';
  return proxyaddr(req, trust);
}
