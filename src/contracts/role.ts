/** What every role gets from the composition root, and what it gives back. */
import type { FastifyInstance } from 'fastify';
import type { Server as HttpServer } from 'node:http';
import type { BlobStore } from '../blobs/types.ts';
import type { Bus } from '../bus/types.ts';
import type { Config } from '../config/schema.ts';
import type { MetricSample } from '../lib/metrics.ts';
import type { Logger } from '../lib/log.ts';
import type { SnowflakeGenerator } from '../protocol/snowflake.ts';
import type { Store } from '../store/types.ts';

export interface RoleDeps {
  config: Config;
  store: Store;
  bus: Bus;
  log: Logger;
  ids: SnowflakeGenerator;
  now: () => number;
  /** Where file bytes live (attachments, avatars, icons); one per process. */
  blobs: BlobStore;
  /** The process's public addresses (links.ts). */
  links: PublicLinks;
}

/**
 * Absolute URLs the process hands out in shapes that events carry too (attachment and CDN URLs), so they cannot
 * come from the request: ACCORD_CDN_URL, else ACCORD_PUBLIC_URL, else the address the process listens on (known
 * only once it listens; set by the process before the first request).
 */
export interface PublicLinks {
  /** Base of CDN URLs, without a trailing slash. */
  cdnBase(): string;
  /** Key of signed CDN URLs (media/signing.ts): ACCORD_CDN_SIGNING_KEY, else one the store keeps for all nodes. */
  signingKey: Buffer;
}

/** The process's record of client IPs refused for too many invalid requests (lib/invalid-requests.ts). */
export interface ClientBans {
  /** Milliseconds left of `ip`'s ban, or 0. */
  refuse(ip: string): number;
}

/** What the process hands every role it starts: the shared dependencies and its HTTP server. */
export interface ProcessDeps extends RoleDeps {
  http: FastifyInstance;
  /** Absent in tests that start a role on its own. */
  clientBans?: ClientBans;
}

/**
 * Each role folder's index.ts exports `start` of this type; the process finds it by the role's name
 * (src/roles.ts), so adding a role is its folder and its line in config/roles.ts.
 */
export type RoleStart = (deps: ProcessDeps) => Promise<RunningRole>;

export interface RunningRole {
  readonly name: string;
  /** True once the role serves. */
  ready(): boolean;
  /** Numbers for GET /metrics (counters and queue sizes); optional. */
  metrics?(): MetricSample[];
  /** Stops the role; for sessions this sends op 7 RECONNECT to every client first. */
  close(): Promise<void>;
}

export interface SessionsRoleDeps extends RoleDeps {
  /** Gateway upgrades from a banned IP are refused like its REST requests. */
  clientBans?: ClientBans;
  /** The HTTP(S) server whose upgrade requests on /gateway (and /gateway/, /) become gateway sessions. */
  server: HttpServer;
}
