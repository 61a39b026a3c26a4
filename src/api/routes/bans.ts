import type { RouteContext } from '../route.ts';

export function registerBansRoutes(_ctx: RouteContext): void {}
