/**
 * The role registry. Each role of config/roles.ts lives in the folder of its name, whose index.ts exports
 * `start` (contracts/role.ts RoleStart). Adding a role is that folder and its line in config/roles.ts: the
 * settings, the README row, the CLI usage and this registry all follow the catalog, and a role is loaded only
 * by a process that runs it.
 */
import { ROLE_CATALOG, type Role } from './config/roles.ts';
import type { ProcessDeps, RoleStart, RunningRole } from './contracts/role.ts';

export type { ProcessDeps };

export interface RoleDefinition {
  name: Role;
  summary: string;
  start(deps: ProcessDeps): Promise<RunningRole>;
}

/** The role folder's `start`; throws naming the role when the folder does not export one. */
export async function loadRoleStart(name: Role): Promise<RoleStart> {
  const module = (await import(`./${name}/index.ts`)) as { start?: unknown };
  if (typeof module.start !== 'function') throw new Error(`src/${name}/index.ts does not export start(deps): see src/contracts/role.ts`);
  return module.start as RoleStart;
}

export const ROLE_DEFINITIONS: RoleDefinition[] = ROLE_CATALOG.map((r) => ({
  ...r,
  start: async (deps: ProcessDeps) => (await loadRoleStart(r.name))(deps),
}));
