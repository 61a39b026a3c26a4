/**
 * A voice channel's status (Discord's "Set Voice Channel Status"): shown in the chat header of the voice channel
 * and under its name in the channel list; set or cleared here by those with Set Voice Channel Status and Manage
 * Channels (the server asks both of anyone not connected to the channel, and nobody is connected in Accord). The
 * statuses come with op 43 when a server is opened and with VOICE_CHANNEL_STATUS_UPDATE (session.ts, events.ts).
 */
import { useState } from 'react';
import { VOICE_CHANNEL_STATUS_MAX } from '../../../src/protocol/channel-types.ts';
import { rest } from '../api.ts';
import { P, has } from '../perms.ts';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import type { Channel } from '../types.ts';
import { Icon } from './Icon.tsx';
import { Modal } from './Modal.tsx';


export const setVoiceStatus = (channelId: string, status: string | null) => rest.put(`/channels/${channelId}/voice-status`, { status });

/** Whether `perms` (in the channel) let us set its status. */
export const maySetVoiceStatus = (perms: bigint) => perms !== -1n && has(perms, P.SET_VOICE_CHANNEL_STATUS) && has(perms, P.MANAGE_CHANNELS);

/** The status in the chat header, and its "Set Channel Status" button for those who may. */
export function VoiceStatusHeader({ channel, perms }: { channel: Channel; perms: bigint }) {
  const status = useStore((s) => s.voiceStatuses[channel.id]);
  const [editing, setEditing] = useState(false);
  return (
    <>
      {status && <span className="topic ellipsis voice-status" data-testid="voice-status">{status}</span>}
      {maySetVoiceStatus(perms) && (
        <button type="button" className="icon-button" aria-label="Set Channel Status" title="Set Channel Status" onClick={() => setEditing(true)}>
          <Icon name="edit" />
        </button>
      )}
      {editing && <VoiceStatusDialog channel={channel} current={status ?? ''} onClose={() => setEditing(false)} />}
    </>
  );
}

function VoiceStatusDialog({ channel, current, onClose }: { channel: Channel; current: string; onClose: () => void }) {
  const [text, setText] = useState(current);
  const [error, setError] = useState('');
  const save = async (status: string | null) => {
    try {
      await setVoiceStatus(channel.id, status);
      onClose();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Modal title="Set a channel status" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(text.trim() ? text : null);
        }}
      >
        <label>
          What's happening in {channel.name}?
          <input value={text} maxLength={VOICE_CHANNEL_STATUS_MAX} onChange={(e) => setText(e.target.value)} placeholder="Movie night, study session …" />
        </label>
        <p className="muted small">{text.length}/{VOICE_CHANNEL_STATUS_MAX}. Everyone who can see the channel sees it under its name.</p>
        {error && <p className="form-error" role="alert">{error}</p>}
        <div className="modal-actions">
          {current && (
            <button type="button" className="button secondary" onClick={() => void save(null)}>
              Clear Status
            </button>
          )}
          <button type="submit" className="button">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
