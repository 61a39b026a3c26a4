/**
 * One-shot digests of small inputs (token secrets, rate-limit bucket names, facet values): crypto.hash where the
 * runtime has it (Node 20.12+), about three times faster than createHash().update().digest() for a short string (no
 * Hash object), else createHash. Authentication takes two per request and the rate limiter one.
 */
import * as crypto from 'node:crypto';

type Algorithm = 'sha1' | 'sha256';
type OneShot = (algorithm: string, data: string | Buffer, outputEncoding: string) => string | Buffer;

/** The digest functions over `oneShot` (crypto.hash), or over createHash when it is missing. */
export function digestFunctions(oneShot: OneShot | undefined) {
  return {
    digest(algorithm: Algorithm, data: string | Buffer, encoding: 'hex' | 'base64'): string {
      return oneShot ? (oneShot(algorithm, data, encoding) as string) : crypto.createHash(algorithm).update(data).digest(encoding);
    },
    digestBytes(algorithm: Algorithm, data: string | Buffer): Buffer {
      return oneShot ? (oneShot(algorithm, data, 'buffer') as Buffer) : crypto.createHash(algorithm).update(data).digest();
    },
  };
}

// Read from the namespace, not imported by name: a named import of a missing export fails the whole module on older Node.
export const { digest, digestBytes } = digestFunctions((crypto as { hash?: OneShot }).hash);
