import type { RouteContext } from '../route.ts';

export function registerMembersRoutes(_ctx: RouteContext): void {}
