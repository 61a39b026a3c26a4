/**
 * The address clients are told to use: ACCORD_PUBLIC_URL when set (behind a proxy), else what the request came to.
 * request.protocol and request.host follow X-Forwarded-Proto / X-Forwarded-Host only when the request came
 * through a trusted proxy (ACCORD_TRUSTED_PROXIES); otherwise they are the socket's scheme and the Host header.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.ts';

export function publicHttpBase(config: Config, request: FastifyRequest): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const proto = request.protocol === 'https' || request.protocol === 'http' ? request.protocol : config.tlsCert ? 'https' : 'http';
  return `${proto}://${request.host || `127.0.0.1:${config.port}`}`;
}

/** The gateway URL (ws:// or wss://) clients connect to; libraries append `?v=10&encoding=json`, some with a `/` first. */
export function gatewayUrl(config: Config, request: FastifyRequest): string {
  return `${publicHttpBase(config, request).replace(/^http/, 'ws')}/gateway`;
}
