/**
 * The moderation dialogs, as Discord words them: kick (with a reason), ban (message history to delete and a
 * reason), timeout (Discord's lengths and a reason) or its removal, and nickname. Reasons go to the audit log
 * (X-Audit-Log-Reason). Loaded on first use.
 */
import { useState } from 'react';
import { BAN_DELETE_WINDOWS, TIMEOUT_DURATIONS, banUser, kickMember, setNickname, timeoutMember } from '../moderation.ts';
import { displayName, useStore } from '../store.ts';
import type { ModerationKind } from './MemberActions.tsx';
import { Confirm } from './Modal.tsx';

interface Props {
  kind: ModerationKind;
  guildId: string;
  userId: string;
  onClose: () => void;
}

export function ModerationDialog(p: Props) {
  const name = useStore((s) => displayName(s, p.userId, p.guildId));
  const username = useStore((s) => s.users[p.userId]?.username ?? name);
  switch (p.kind) {
    case 'kick':
      return <KickDialog {...p} name={name} username={username} />;
    case 'ban':
      return <BanDialog {...p} name={name} username={username} />;
    case 'timeout':
      return <TimeoutDialog {...p} name={name} />;
    case 'untimeout':
      return (
        <Confirm
          title={`Remove timeout for ${name}`}
          body={<p>{name} will be able to send messages, react and speak again.</p>}
          confirmLabel="Remove Timeout"
          danger={false}
          onClose={p.onClose}
          onConfirm={() => timeoutMember(p.guildId, p.userId, null)}
        />
      );
    case 'nick':
      return <NicknameDialog {...p} username={username} />;
  }
}

function Reason({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  return (
    <label>
      {label}
      <textarea value={value} maxLength={512} rows={3} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

function KickDialog({ guildId, userId, name, username, onClose }: Props & { name: string; username: string }) {
  const [reason, setReason] = useState('');
  return (
    <Confirm
      title={`Kick '${name}' from Server`}
      body={
        <div className="stack">
          <p>Are you sure you want to kick @{username} from the server? They will be able to rejoin again with a new invite.</p>
          <Reason label="Reason for kick" value={reason} onChange={setReason} />
        </div>
      }
      confirmLabel="Kick"
      onClose={onClose}
      onConfirm={() => kickMember(guildId, userId, reason)}
    />
  );
}

function BanDialog({ guildId, userId, name, username, onClose }: Props & { name: string; username: string }) {
  const [seconds, setSeconds] = useState(0);
  const [reason, setReason] = useState('');
  return (
    <Confirm
      title={`Ban '${name}'`}
      body={
        <div className="stack">
          <p>Are you sure you want to ban @{username}? They won't be able to rejoin until the ban is revoked.</p>
          <label>
            Delete message history
            <select value={seconds} onChange={(e) => setSeconds(Number(e.target.value))}>
              {BAN_DELETE_WINDOWS.map((w) => (
                <option key={w.seconds} value={w.seconds}>
                  {w.label}
                </option>
              ))}
            </select>
          </label>
          <Reason label="Reason for ban" value={reason} onChange={setReason} />
        </div>
      }
      confirmLabel="Ban"
      onClose={onClose}
      onConfirm={() => banUser(guildId, userId, seconds, reason)}
    />
  );
}

function TimeoutDialog({ guildId, userId, name, onClose }: Props & { name: string }) {
  const [seconds, setSeconds] = useState<number | null>(null);
  const [reason, setReason] = useState('');
  return (
    <Confirm
      title={`Timeout ${name}`}
      body={
        <div className="stack">
          <p>Members who are timed out can't send messages, reply, react or speak. They can still read.</p>
          <fieldset className="timeout-durations">
            <legend>Duration</legend>
            {TIMEOUT_DURATIONS.map((d) => (
              <label key={d.seconds} className="check-row">
                <input type="radio" name="timeout-duration" checked={seconds === d.seconds} onChange={() => setSeconds(d.seconds)} />
                {d.label}
              </label>
            ))}
          </fieldset>
          <Reason label="Reason" value={reason} onChange={setReason} />
        </div>
      }
      confirmLabel="Timeout"
      onClose={onClose}
      onConfirm={async () => {
        if (seconds === null) throw new Error('Pick how long the timeout lasts.');
        await timeoutMember(guildId, userId, seconds, reason);
      }}
    />
  );
}

function NicknameDialog({ guildId, userId, username, onClose }: Props & { username: string }) {
  const current = useStore((s) => s.members[guildId]?.[userId]?.nick ?? '');
  const self = useStore((s) => s.me?.id === userId);
  const [nick, setNick] = useState(current);
  return (
    <Confirm
      title="Change Nickname"
      body={
        <div className="stack">
          <label>
            Nickname
            <input value={nick} maxLength={32} placeholder={username} onChange={(e) => setNick(e.target.value)} />
          </label>
          <button type="button" className="link-button align-start" onClick={() => setNick('')}>
            Reset Nickname
          </button>
        </div>
      }
      confirmLabel="Save"
      danger={false}
      onClose={onClose}
      onConfirm={() => setNickname(guildId, userId, nick, self)}
    />
  );
}
