/**
 * The current user's settings: the account (username, display name, log out), the profile others see (banner,
 * About Me; a server's own is set from its menu, ServerProfile.tsx), the password, and the devices
 * logged in to the account (each log-in token), which can be logged out one by one or all but this one, and the
 * user's applications and bots (DeveloperSettings.tsx).
 */
import { AuthorizedApps } from './AuthorizedApps.tsx';
import { useEffect, useState, type FormEvent } from 'react';
import { TwoFactorSettings } from './TwoFactorSettings.tsx';
import { changePassword, errorText, listAuthSessions, logout, logoutAuthSessions, updateProfile, type AuthSession } from '../session.ts';
import { useStore } from '../store.ts';
import { formatTimestamp } from './Message.tsx';
import { Modal } from './Modal.tsx';
import { Avatar } from './Avatar.tsx';
import { ImagePickButton } from './ImagePickButton.tsx';
import { defaultAvatarUrl, userBannerUrl } from '../media-url.ts';
import { AboutMeField, BannerEditor } from './ProfileEditors.tsx';
import { DeveloperSettings } from './DeveloperSettings.tsx';
import { PushSettings } from './PushSettings.tsx';

type Tab = 'account' | 'profiles' | 'password' | 'devices' | 'notifications' | 'authorized' | 'applications';
const TABS: Array<[Tab, string]> = [['account', 'My Account'], ['profiles', 'Profiles'], ['password', 'Password & Security'], ['devices', 'Devices'], ['notifications', 'Notifications'], ['authorized', 'Authorized Apps'], ['applications', 'My Applications']];

export function UserSettings({ onClose }: { onClose: () => void }) {
  const [tab, setTab] = useState<Tab>('account');
  return (
    <Modal title="User Settings" onClose={onClose} wide>
      <div className="settings">
        <div className="settings-tabs" role="tablist" aria-label="Settings sections">
          {TABS.map(([id, label]) => (
            <button key={id} type="button" role="tab" id={`user-tab-${id}`} aria-selected={tab === id} aria-controls={`user-panel-${id}`} onClick={() => setTab(id)}>
              {label}
            </button>
          ))}
        </div>
        <div className="settings-panel" role="tabpanel" id={`user-panel-${tab}`} aria-labelledby={`user-tab-${tab}`}>
          {tab === 'account' && <Account />}
          {tab === 'profiles' && <Profiles />}
          {tab === 'password' && (
            <>
              <Password />
              <TwoFactorSettings />
            </>
          )}
          {tab === 'devices' && <Devices />}
          {tab === 'notifications' && <PushSettings />}
          {tab === 'authorized' && <AuthorizedApps />}
          {tab === 'applications' && <DeveloperSettings />}
        </div>
      </div>
    </Modal>
  );
}

type Status = { ok?: string; error?: string };

function StatusLine({ status }: { status: Status }) {
  return (
    <>
      {status.error && <p className="form-error" role="alert">{status.error}</p>}
      {status.ok && <p className="form-ok" role="status">{status.ok}</p>}
    </>
  );
}

/** The account's profile: banner and About Me, shown on the card others open (where no server profile replaces them). */
function Profiles() {
  const me = useStore((s) => s.me)!;
  const [banner, setBanner] = useState<string | null | undefined>(undefined);
  const [bio, setBio] = useState(me.bio ?? '');
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const body: { banner?: string | null; bio?: string } = {};
    if (banner !== undefined) body.banner = banner;
    if (bio !== (me.bio ?? '')) body.bio = bio;
    setStatus({});
    if (!Object.keys(body).length) return setStatus({ ok: 'Nothing to save.' });
    setBusy(true);
    try {
      await updateProfile(body);
      setBanner(undefined);
      setStatus({ ok: 'Saved.' });
    } catch (err) {
      setStatus({ error: errorText(err, banner !== undefined ? 'banner' : 'bio') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={save}>
      <BannerEditor
        currentUrl={me.banner ? userBannerUrl(me.id, me.banner, 480) : null}
        picked={banner}
        onPick={(v) => (setBanner(v), setStatus({}))}
        onError={(error) => setStatus({ error })}
        fallback="No banner."
      />
      <AboutMeField value={bio} onChange={setBio} placeholder="Tell people a little about yourself" />
      <p className="muted small">To look different in one server, use Edit Server Profile in its menu.</p>
      <StatusLine status={status} />
      <div className="modal-actions">
        <button type="submit" className="button" aria-disabled={busy}>
          Save Changes
        </button>
      </div>
    </form>
  );
}

function Account() {
  const me = useStore((s) => s.me)!;
  const [username, setUsername] = useState(me.username);
  const [globalName, setGlobalName] = useState(me.global_name ?? '');
  const [email, setEmail] = useState(me.email ?? '');
  const [password, setPassword] = useState('');
  const [status, setStatus] = useState<Status>({});
  /** A picked picture not saved yet (a data URI), null to remove the avatar, undefined: unchanged. */
  const [avatar, setAvatar] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // As on Discord, a new username or email needs the current password.
  const renaming = username.trim().toLowerCase() !== me.username;
  const changingEmail = email.trim() !== (me.email ?? '');
  const needsPassword = renaming || changingEmail;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setStatus({});
    try {
      const body: { username?: string; email?: string; global_name?: string | null; password?: string; avatar?: string | null } = {};
      if (renaming) body.username = username.trim();
      if (changingEmail) body.email = email.trim();
      if (needsPassword) body.password = password;
      if ((globalName.trim() || null) !== (me.global_name ?? null)) body.global_name = globalName.trim() || null;
      if (avatar !== undefined) body.avatar = avatar;
      setBusy(true);
      if (Object.keys(body).length) await updateProfile(body);
      setPassword('');
      setAvatar(undefined);
      setStatus({ ok: 'Saved.' });
    } catch (err) {
      setStatus({ error: errorText(err, avatar !== undefined && !renaming && !changingEmail ? 'avatar' : changingEmail && !renaming ? 'email' : 'username') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={save}>
      <fieldset className="avatar-editor">
        <legend>Avatar</legend>
        <Avatar user={me} size={80} preview={avatar === undefined ? undefined : (avatar ?? defaultAvatarUrl(me))} />
        <div className="avatar-editor-actions">
          <ImagePickButton label="Change Avatar" onPick={(uri) => (setAvatar(uri), setStatus({}))} onError={(error) => setStatus({ error })} />
          {(avatar !== undefined ? avatar !== null : Boolean(me.avatar)) && (
            <button type="button" className="link-button small" onClick={() => setAvatar(me.avatar ? null : undefined)}>
              Remove Avatar
            </button>
          )}
          {avatar !== undefined && (
            <span className="muted small" role="status">
              {avatar ? 'New avatar: save to use it.' : 'Avatar removed: save to confirm.'}
            </span>
          )}
        </div>
      </fieldset>
      <label>
        Username
        <input name="username" value={username} onChange={(e) => setUsername(e.target.value)} minLength={2} maxLength={32} required />
      </label>
      <label>
        Email
        <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={320} />
      </label>
      {needsPassword && (
        <label>
          Current password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
      )}
      <label>
        Display name
        <input name="global_name" value={globalName} onChange={(e) => setGlobalName(e.target.value)} maxLength={32} placeholder={me.username} />
      </label>
      <StatusLine status={status} />
      <div className="modal-actions">
        <button type="button" className="button danger" onClick={() => void logout()}>
          Log Out
        </button>
        <button type="submit" className="button" aria-disabled={busy}>
          Save Changes
        </button>
      </div>
    </form>
  );
}

function Password() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [status, setStatus] = useState<Status>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus({});
    setBusy(true);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setStatus({ ok: 'Password changed. Every other device was logged out.' });
    } catch (err) {
      setStatus({ error: errorText(err, 'password') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="stack" onSubmit={submit}>
      <h3>Change password</h3>
      <label>
        Current password
        <input name="current-password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
      </label>
      <label>
        New password
        <input name="new-password" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} minLength={8} maxLength={72} required />
      </label>
      <StatusLine status={status} />
      <div className="modal-actions">
        <button type="submit" className="button" disabled={busy}>
          Change Password
        </button>
      </div>
    </form>
  );
}

const deviceName = (s: AuthSession) => [s.client_info.platform, s.client_info.os].filter(Boolean).join(' on ') || 'Unknown client';

function Devices() {
  const current = useStore((s) => s.authSessionId);
  const [sessions, setSessions] = useState<AuthSession[] | null>(null);
  const [status, setStatus] = useState<Status>({});

  const refresh = async () => {
    try {
      setSessions(await listAuthSessions());
    } catch (err) {
      setStatus({ error: errorText(err) });
    }
  };
  useEffect(() => {
    void refresh();
  }, []);

  const logOut = async (ids: string[], ok: string) => {
    setStatus({});
    try {
      await logoutAuthSessions(ids);
      setStatus({ ok });
      await refresh();
    } catch (err) {
      setStatus({ error: errorText(err) });
    }
  };

  if (!sessions) return <p className="muted">Loading devices…</p>;
  const mine = sessions.find((s) => s.id_hash === current);
  const others = sessions.filter((s) => s !== mine);
  return (
    <div className="stack">
      <h3>Devices</h3>
      <p className="muted">Everywhere your account is logged in. Log out a device you do not recognise, then change your password.</p>
      <ul className="settings-list" aria-label="Logged-in devices">
        {[...(mine ? [mine] : []), ...others].map((s) => (
          <li key={s.id_hash} className="row device" data-session-id={s.id_hash}>
            <div className="device-info">
              <strong>{deviceName(s)}</strong>
              {s === mine && <span className="tag">This device</span>}
              <div className="muted">Last active {formatTimestamp(s.approx_last_used_time)}</div>
            </div>
            {s !== mine && (
              <button type="button" className="button small secondary" aria-label={`Log out ${deviceName(s)}`} onClick={() => void logOut([s.id_hash], 'Device logged out.')}>
                Log out
              </button>
            )}
          </li>
        ))}
      </ul>
      <StatusLine status={status} />
      <div className="modal-actions">
        <button
          type="button"
          className="button danger"
          disabled={others.length === 0}
          onClick={() => void logOut(others.map((s) => s.id_hash), 'Every other device was logged out.')}
        >
          Log out all other devices
        </button>
      </div>
    </div>
  );
}
