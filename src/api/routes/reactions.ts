import type { RouteContext } from '../route.ts';

export function registerReactionsRoutes(_ctx: RouteContext): void {}
