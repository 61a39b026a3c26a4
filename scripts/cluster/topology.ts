/**
 * The local cluster's shape: which Accord processes run, with which roles, on which ports. `npm run cluster`, the
 * HAProxy configuration (haproxy.ts, deploy/haproxy.cfg) and the fault tests (test/cluster) all read it from here.
 */
import type { Role } from '../../src/config/roles.ts';

export interface NodeSpec {
  /** ACCORD_NODE_ID, and the HAProxy server name. */
  id: string;
  roles: Role[];
  port: number;
  /** ACCORD_WORKER_ID: unique per process here, so snowflakes never collide on one machine. */
  workerId: number;
}

/** 2 api, 2 sessions, 2 guild, 1 presence and one node of every worker role. */
export const NODE_ROLES: Array<[string, Role[]]> = [
  ['api-1', ['api']],
  ['api-2', ['api']],
  ['sessions-1', ['sessions']],
  ['sessions-2', ['sessions']],
  ['guild-1', ['guild']],
  ['guild-2', ['guild']],
  ['presence-1', ['presence']],
  ['cdn-1', ['cdn']],
  ['search-1', ['search']],
  ['push-1', ['push']],
  ['embed-1', ['embed']],
];

export const DEFAULT_PROXY_PORT = 8000;
export const DEFAULT_BASE_PORT = 8100;
export const DEFAULT_STATS_PORT = 8404;

/** The nodes with ports basePort+1, basePort+2, … in NODE_ROLES order. */
export function clusterNodes(basePort = DEFAULT_BASE_PORT): NodeSpec[] {
  return NODE_ROLES.map(([id, roles], i) => ({ id, roles, port: basePort + 1 + i, workerId: i }));
}

export const nodesWithRole = (nodes: NodeSpec[], role: Role): NodeSpec[] => nodes.filter((n) => n.roles.includes(role));

/** The proxy path that reaches one sessions node: READY's resume_gateway_url on that node. */
export const resumePath = (nodeId: string): string => `/gateway-node/${nodeId}`;
