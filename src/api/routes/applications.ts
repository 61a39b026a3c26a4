import type { RouteContext } from '../route.ts';

export function registerApplicationsRoutes(_ctx: RouteContext): void {}
