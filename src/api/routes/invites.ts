import type { RouteContext } from '../route.ts';

export function registerInvitesRoutes(_ctx: RouteContext): void {}
