import type { RouteContext } from '../route.ts';

export function registerMessagesRoutes(_ctx: RouteContext): void {}
