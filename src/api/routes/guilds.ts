import type { RouteContext } from '../route.ts';

export function registerGuildsRoutes(_ctx: RouteContext): void {}
