/** The role hierarchy as the server ranks it (api/access.ts rolesByRank). */
import { compareIds } from './api.ts';
import type { Role } from './types.ts';

/** The guild's roles from the highest to the lowest; at one position the older (smaller id) above the newer. */
export function sortedRoles(roles: Record<string, Role>): Role[] {
  return Object.values(roles).sort((a, b) => b.position - a.position || compareIds(a.id, b.id));
}
