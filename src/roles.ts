/**
 * The role registry: each role of config/roles.ts with the function that starts it. Adding a role is its folder,
 * its line in config/roles.ts and its line here (the compiler refuses a role without a start function); server.ts
 * starts whatever a process's settings name, the settings, README row and CLI usage follow the catalog.
 */
import type { FastifyInstance } from 'fastify';
import type { Server as HttpServer } from 'node:http';
import { startApiRole } from './api/index.ts';
import { ROLE_CATALOG, type Role } from './config/roles.ts';
import type { RoleDeps, RunningRole } from './contracts/role.ts';
import { startGuildRole } from './guild/index.ts';
import { startPresenceRole } from './presence/index.ts';
import { startSessionsRole } from './sessions/index.ts';

/** What the process hands every role: the shared dependencies and its HTTP server. */
export interface ProcessDeps extends RoleDeps {
  http: FastifyInstance;
}

export interface RoleDefinition {
  name: Role;
  summary: string;
  start(deps: ProcessDeps): Promise<RunningRole>;
}

const STARTERS: Record<Role, RoleDefinition['start']> = {
  api: (deps) => startApiRole(deps),
  sessions: (deps) => startSessionsRole({ ...deps, server: deps.http.server as HttpServer }),
  guild: (deps) => startGuildRole(deps),
  presence: (deps) => startPresenceRole(deps),
};

export const ROLE_DEFINITIONS: RoleDefinition[] = ROLE_CATALOG.map((r) => ({ ...r, start: STARTERS[r.name] }));
