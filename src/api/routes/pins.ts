import type { RouteContext } from '../route.ts';

export function registerPinsRoutes(_ctx: RouteContext): void {}
