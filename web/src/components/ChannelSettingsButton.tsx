/** The gear beside a channel in the sidebar (MANAGE_CHANNELS in it): opens its settings, loaded on first use. */
import { Suspense, lazy, useState } from 'react';
import { canManageChannel } from '../moderation.ts';
import { useStore } from '../store.ts';
import type { Channel } from '../types.ts';
import { Icon } from './Icon.tsx';

const ChannelSettings = lazy(() => import('./ChannelSettings.tsx').then((m) => ({ default: m.ChannelSettings })));

export function ChannelSettingsButton({ channel }: { channel: Channel }) {
  const allowed = useStore((s) => canManageChannel(s, s.channels[channel.id]));
  const [open, setOpen] = useState(false);
  if (!allowed) return null;
  return (
    <>
      <button type="button" className="icon-button channel-settings-button" aria-label={`Edit channel ${channel.name}`} title="Edit Channel" onClick={() => setOpen(true)}>
        <Icon name="gear" size={16} />
      </button>
      {open && (
        <Suspense fallback={null}>
          <ChannelSettings channelId={channel.id} onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
