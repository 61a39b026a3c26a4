/**
 * The bell in the chat header. Part of the first screen; the notification settings it opens
 * (NotificationSettings.tsx) load when first opened.
 */
import { Suspense, lazy, useState } from 'react';
import { channelOverride, muteHolds, useMuteClock } from '../mutes.ts';
import { useStore } from '../store.ts';
import type { Channel } from '../types.ts';
import { Icon } from './Icon.tsx';

const ChannelNotificationSettings = lazy(() => import('./NotificationSettings.tsx').then((m) => ({ default: m.ChannelNotificationSettings })));

/** The bell in the chat header: shows whether the channel is muted and opens its notification settings. */
export function ChannelNotificationButton({ channel }: { channel: Channel }) {
  const override = useStore((s) => channelOverride(s, channel));
  const now = useMuteClock();
  const [open, setOpen] = useState(false);
  const muted = muteHolds(override?.muted, override?.mute_config, now);
  return (
    <>
      <button type="button" className={`icon-button${muted ? ' muted-bell' : ''}`} aria-label={muted ? 'Notification settings (channel muted)' : 'Notification settings'} title="Notification Settings" onClick={() => setOpen(true)}>
        <Icon name="bell" />
      </button>
      {open && (
        <Suspense fallback={null}>
          <ChannelNotificationSettings channel={channel} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
