/** The search role's entry point (src/roles.ts loads `start` from here); the role itself is role.ts. */
import type { RoleStart } from '../contracts/role.ts';
import { startSearchRole } from './role.ts';

export const start: RoleStart = (deps) => startSearchRole(deps);
