/** scripts/build-server.mjs, for the TypeScript callers (bench/run.ts). */
export declare function buildServer(root: string, onTypeErrors: () => void): boolean;
