/**
 * The top-level paths of Discord's CDN that the cdn role answers. Other roles keep off them: the api role's web
 * client fallback (api/static.ts) must not answer index.html for a file that a node without the cdn role was
 * asked for, which would read as a 200 for a missing file.
 */
export const CDN_PATH_PREFIXES = [
  '/attachments', '/avatars', '/icons', '/banners', '/splashes', '/role-icons', '/app-icons', '/channel-icons',
  '/embed/avatars', '/external', '/guilds',
] as const;
