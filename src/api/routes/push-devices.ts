/**
 * Push devices: a browser (or, later, a phone app) registers where its notifications go. Discord's own client
 * registers through POST /users/@me/devices ({provider, token}); Web Push also needs the subscription's keys,
 * so `keys` is added. A device belongs to the log-in token that registered it: logging out or revoking the token
 * removes it (a foreign key on tokens, store migration 17). The same endpoint registered again updates that
 * device (the browser re-subscribed or another account logged in there), never a second one.
 * `preview` (Accord's, issue #16): false makes the device's notifications generic ("New message"); PATCH
 * /users/@me/devices/{id} {preview} changes it, and registering again without it keeps the choice.
 */
import { ApiError, ErrorCodes, fieldError } from '../../protocol/errors.ts';
import { parseToken } from '../../lib/secrets.ts';
import { parseAllowList } from '../../media/ssrf.ts';
import { vapidKeys } from '../../lib/vapid.ts';
import { acceptableEndpoint } from '../../media/push-endpoint.ts';
import { NotFoundError } from '../../store/errors.ts';
import type { PushDeviceRecord } from '../../store/types.ts';
import type { RouteContext } from '../route.ts';
import { parse, snowflake, z } from '../validate.ts';

/** Devices one user may have; registering beyond drops the least recently updated. */
export const MAX_PUSH_DEVICES = 20;

const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url');

const deviceBody = z.object({
  provider: z.literal('webpush'),
  token: z.string().min(1).max(2048),
  keys: z.object({ p256dh: base64url(128), auth: base64url(64) }),
  device_name: z.string().max(100).nullish(),
  // Accord's addition (Discord has no such field): false sends notifications without the message's text or author.
  preview: z.boolean().optional(),
});

const devicePatchBody = z.object({ preview: z.boolean() });

const deviceJson = (d: PushDeviceRecord) => ({ id: d.id, provider: d.provider, device_name: d.deviceName, preview: d.preview, created_at: new Date(d.createdAt).toISOString() });

export function registerPushDevicesRoutes(ctx: RouteContext): void {
  const { store, config } = ctx.deps;
  const allow = parseAllowList(config.pushAllowHosts);

  // The applicationServerKey a browser subscribes with (PushManager.subscribe).
  ctx.get('/users/@me/push/vapid', { auth: 'user' }, async () => ({ public_key: (await vapidKeys(config, store, ctx.deps.now)).publicKey }));

  ctx.get('/users/@me/devices', { auth: 'user' }, async (req) => (await store.pushDevices.listForUser(req.user.id)).map(deviceJson));

  ctx.post('/users/@me/devices', { auth: 'user', status: 201 }, async (req) => {
    const body = parse(deviceBody, req.body);
    if (!acceptableEndpoint(body.token, allow)) throw fieldError('token', 'BASE_TYPE_INVALID', 'Push endpoint must be an https URL');
    const token = parseToken(req.token);
    if (!token) throw new ApiError(ErrorCodes.UNAUTHORIZED);
    const at = ctx.deps.now();
    let device: PushDeviceRecord;
    try {
      device = await store.pushDevices.put({
        id: ctx.deps.ids.next(), userId: req.user.id, tokenHash: token.hash, provider: 'webpush', endpoint: body.token,
        p256dh: body.keys.p256dh, auth: body.keys.auth, deviceName: body.device_name?.trim() || null, preview: body.preview, createdAt: at, updatedAt: at,
      });
    } catch (err) {
      if (err instanceof NotFoundError) throw new ApiError(ErrorCodes.UNAUTHORIZED); // logged out meanwhile
      throw err;
    }
    const all = await store.pushDevices.listForUser(req.user.id);
    if (all.length > MAX_PUSH_DEVICES) {
      const oldest = all.filter((d) => d.id !== device.id).sort((a, b) => a.updatedAt - b.updatedAt).slice(0, all.length - MAX_PUSH_DEVICES);
      for (const d of oldest) await store.pushDevices.delete(req.user.id, d.id);
    }
    return deviceJson(device);
  });

  // Discord has no "unknown device" code: its generic 404 (code 0), as for an unknown route.
  const unknownDevice = () => new ApiError(ErrorCodes.GENERAL, { status: 404, message: '404: Not Found' });

  ctx.patch('/users/@me/devices/:deviceId', { auth: 'user' }, async (req) => {
    const { deviceId } = req.params as { deviceId: string };
    if (!snowflake.safeParse(deviceId).success) throw unknownDevice();
    const body = parse(devicePatchBody, req.body);
    const device = await store.pushDevices.setPreview(req.user.id, deviceId, body.preview);
    if (!device) throw unknownDevice();
    return deviceJson(device);
  });

  ctx.delete('/users/@me/devices/:deviceId', { auth: 'user' }, async (req) => {
    const { deviceId } = req.params as { deviceId: string };
    if (!snowflake.safeParse(deviceId).success || !(await store.pushDevices.delete(req.user.id, deviceId))) throw unknownDevice();
    return undefined;
  });
}
