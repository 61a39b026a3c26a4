/**
 * The blob store's public entry. Roles use the interface (types.ts); the process opens a store through
 * openBlobStore, which loads the NATS client only when the NATS store is used.
 */
import { join } from 'node:path';
import type { BlobStore } from './types.ts';

export * from './types.ts';
export { assertBlobKey, assertBlobPrefix, isContentAddress, MAX_KEY_LENGTH } from './keys.ts';
export type { FileBlobStore, FileBlobStoreOptions } from './files.ts';
export type { NatsBlobStore, NatsBlobStoreOptions } from './nats.ts';

export interface OpenBlobStoreConfig {
  /** The files store lives in `${dataDir}/blobs`. */
  dataDir: string;
  /** NATS servers (comma-separated). */
  natsUrl?: string;
  /** `files` or `nats`; absent: nats when natsUrl is set, else files. */
  blobStore?: 'files' | 'nats';
  /** Bound on the store's total bytes. */
  blobMaxBytes: number;
  /** Names the NATS connection `accord-<nodeId>-blobs`. */
  nodeId?: string;
  /** The NATS bucket is `<prefix>_blobs`; default `ACCORD` (the bus's stream prefix). */
  bucketPrefix?: string;
}

export async function openBlobStore(config: OpenBlobStoreConfig): Promise<BlobStore> {
  const kind = config.blobStore ?? (config.natsUrl ? 'nats' : 'files');
  if (kind === 'files') {
    const { FileBlobStore } = await import('./files.ts');
    return FileBlobStore.open({ dir: join(config.dataDir, 'blobs'), maxBytes: config.blobMaxBytes });
  }
  if (!config.natsUrl) throw new Error('ACCORD_BLOB_STORE=nats needs ACCORD_NATS_URL');
  const { NatsBlobStore } = await import('./nats.ts');
  const prefix = (config.bucketPrefix ?? 'ACCORD').replace(/[^A-Za-z0-9_-]/g, '-');
  return NatsBlobStore.connect({
    servers: config.natsUrl,
    name: config.nodeId ? `accord-${config.nodeId}-blobs` : undefined,
    bucket: `${prefix}_blobs`,
    maxBytes: config.blobMaxBytes,
  });
}
