/** The api role needs what every role gets from the composition root (src/roles.ts), nothing more. */
export type { RoleDeps as ApiDeps } from '../contracts/role.ts';
