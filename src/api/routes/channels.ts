import type { RouteContext } from '../route.ts';

export function registerChannelsRoutes(_ctx: RouteContext): void {}
