/**
 * User Settings → Notifications (issue #16): desktop notifications on this browser (a switch that subscribes and
 * registers it, or unsubscribes and removes it), and every device registered for push on the account, each of
 * which can be removed. When this browser is registered, a second switch chooses whether its notifications show
 * the message's author and text or only "New message" (PATCH /users/@me/devices/{id} {preview}).
 */
import { useEffect, useState } from 'react';
import { disablePush, enablePush, listDevices, pushState, removeDevice, savedDevice, setDevicePreview, usePushVersion, type PushDevice, type PushState } from '../push.ts';
import { errorText } from '../session.ts';
import { formatTimestamp } from './Message.tsx';
import './push.css';

const STATE_TEXT: Record<PushState, string> = {
  enabled: 'Desktop notifications are on for this browser.',
  disabled: 'Desktop notifications are off for this browser.',
  blocked: 'Notifications are blocked for Accord in this browser. Allow them in the site settings to turn them on.',
  unsupported: 'This browser cannot show notifications from Accord.',
};

type Status = { ok?: string; error?: string };

export function PushSettings() {
  const version = usePushVersion();
  const [state, setState] = useState<PushState | null>(null);
  const [devices, setDevices] = useState<PushDevice[] | null>(null);
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    void pushState().then((s) => live && setState(s));
    listDevices().then(
      (list) => live && setDevices(list),
      (err) => live && setStatus({ error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [version]);

  async function toggle(on: boolean) {
    if (busy) return;
    setBusy(true);
    setStatus({});
    try {
      if (on) await enablePush();
      else await disablePush();
      setStatus({ ok: on ? 'Desktop notifications turned on.' : 'Desktop notifications turned off.' });
    } catch (err) {
      setStatus({ error: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  async function remove(device: PushDevice) {
    setStatus({});
    try {
      await removeDevice(device.id);
      setStatus({ ok: 'Device removed.' });
    } catch (err) {
      setStatus({ error: errorText(err) });
    }
  }

  async function setPreview(device: PushDevice, preview: boolean) {
    if (busy) return;
    setBusy(true);
    setStatus({});
    try {
      const updated = await setDevicePreview(device.id, preview);
      setDevices((list) => list?.map((d) => (d.id === updated.id ? updated : d)) ?? null);
      setStatus({ ok: preview ? 'Notifications on this browser show message text.' : 'Notifications on this browser hide message text.' });
    } catch (err) {
      setStatus({ error: errorText(err) });
    } finally {
      setBusy(false);
    }
  }

  const mine = savedDevice()?.id;
  const thisDevice = devices?.find((d) => d.id === mine);
  const label = (d: PushDevice) => d.device_name || 'Unnamed device';
  return (
    <div className="stack">
      <h3>Desktop notifications</h3>
      <label className="check-row toggle">
        <input
          type="checkbox"
          role="switch"
          name="push_enabled"
          checked={state === 'enabled'}
          disabled={state === null || state === 'unsupported' || state === 'blocked'}
          aria-disabled={busy}
          onChange={(e) => void toggle(e.target.checked)}
        />
        <span>Enable desktop notifications on this browser</span>
      </label>
      {thisDevice && (
        <label className="check-row toggle">
          <input
            type="checkbox"
            role="switch"
            name="push_preview"
            checked={thisDevice.preview}
            aria-disabled={busy}
            onChange={(e) => void setPreview(thisDevice, e.target.checked)}
          />
          <span>Show message text in notifications</span>
        </label>
      )}
      {state && (
        <p className="muted push-state" data-testid="push-state" data-state={state}>
          {STATE_TEXT[state]}
        </p>
      )}
      {status.error && <p className="form-error" role="alert">{status.error}</p>}
      {status.ok && <p className="form-ok" role="status">{status.ok}</p>}
      <h3>Devices receiving notifications</h3>
      {!devices ? (
        <p className="muted">Loading devices…</p>
      ) : devices.length === 0 ? (
        <p className="muted">No device receives push notifications.</p>
      ) : (
        <ul className="settings-list" aria-label="Push notification devices">
          {devices.map((d) => (
            <li key={d.id} className="row device" data-device-id={d.id}>
              <div className="device-info">
                <strong>{label(d)}</strong>
                {d.id === mine && <span className="tag">This browser</span>}
                <div className="muted">Added {formatTimestamp(d.created_at)}</div>
              </div>
              <button type="button" className="button small secondary" aria-label={`Remove ${label(d)}`} onClick={() => void remove(d)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
