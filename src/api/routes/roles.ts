import type { RouteContext } from '../route.ts';

export function registerRolesRoutes(_ctx: RouteContext): void {}
