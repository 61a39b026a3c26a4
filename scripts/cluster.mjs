#!/usr/bin/env node
// `npm run cluster`: a local Accord cluster behind HAProxy (docs/cluster.md). The launcher is TypeScript
// (scripts/cluster/), loaded through tsx as the server itself is.
import { register } from 'tsx/esm/api';

register();
await import('./cluster/cli.ts');
