/**
 * Edit Server Profile (the server menu): one's nickname, avatar, banner and About Me in this server only, shown
 * over the account's own there. PATCH /guilds/{id}/members/@me; the nickname needs CHANGE_NICKNAME.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../session.ts';
import { useStore } from '../store.ts';
import { memberBannerUrl, userBannerUrl } from '../media-url.ts';
import { P, basePermissions, has } from '../perms.ts';
import { fetchProfile, updateServerProfile, type ServerProfileChange } from '../profiles.ts';
import { Avatar, avatarSrc } from './Avatar.tsx';
import { ImagePickButton } from './ImagePickButton.tsx';
import { AboutMeField, BannerEditor } from './ProfileEditors.tsx';
import { Modal } from './Modal.tsx';

const BANNER_WIDTH = 480;

export function ServerProfile({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const me = useStore((s) => s.me)!;
  const member = useStore((s) => s.members[guildId]?.[me.id]);
  const [nick, setNick] = useState(member?.nick ?? '');
  /** Picked and not saved: a data URI, null to remove, undefined: unchanged. */
  const [avatar, setAvatar] = useState<string | null | undefined>(undefined);
  const [banner, setBanner] = useState<string | null | undefined>(undefined);
  /** The saved About Me here, once read (it is not part of the member object). */
  const [savedBio, setSavedBio] = useState<string | null>(null);
  const [bio, setBio] = useState('');
  const [status, setStatus] = useState<{ ok?: string; error?: string }>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    fetchProfile(me.id, guildId).then(
      (p) => {
        if (!live) return;
        const here = p.guild_member_profile?.bio ?? '';
        setSavedBio(here);
        setBio(here);
      },
      (err) => live && setStatus({ error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [guildId, me.id]);

  if (!guild) return null;
  const perms = basePermissions(guild, me.id, member);
  const canNick = guild.owner_id === me.id || has(perms, P.CHANGE_NICKNAME) || has(perms, P.MANAGE_NICKNAMES);
  const currentBanner = member?.banner ? memberBannerUrl(guildId, me.id, member.banner, BANNER_WIDTH) : null;
  const accountBanner = me.banner ? userBannerUrl(me.id, me.banner, BANNER_WIDTH) : null;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const change: ServerProfileChange = {};
    if (canNick && (nick.trim() || null) !== (member?.nick ?? null)) change.nick = nick.trim() || null;
    if (avatar !== undefined) change.avatar = avatar;
    if (banner !== undefined) change.banner = banner;
    if (savedBio !== null && bio !== savedBio) change.bio = bio;
    setStatus({});
    if (!Object.keys(change).length) return setStatus({ ok: 'Nothing to save.' });
    setBusy(true);
    try {
      await updateServerProfile(guildId, change);
      setAvatar(undefined);
      setBanner(undefined);
      if (change.bio !== undefined) setSavedBio(bio);
      setStatus({ ok: 'Saved.' });
    } catch (err) {
      setStatus({ error: errorText(err, 'bio') });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal title={`Server Profile — ${guild.name}`} onClose={onClose}>
      <form className="stack" onSubmit={save}>
        <p className="muted small">Shown instead of your account's profile in {guild.name} only.</p>
        {canNick && (
          <label>
            Nickname
            <input name="nick" value={nick} maxLength={32} placeholder={me.global_name || me.username} onChange={(e) => setNick(e.target.value)} />
          </label>
        )}
        <fieldset className="avatar-editor">
          <legend>Server Avatar</legend>
          <Avatar user={me} size={80} guildId={guildId} preview={avatar === undefined ? undefined : (avatar ?? avatarSrc(me, 80))} />
          <div className="avatar-editor-actions">
            <ImagePickButton label="Change Server Avatar" onPick={(uri) => (setAvatar(uri), setStatus({}))} onError={(error) => setStatus({ error })} />
            {(avatar !== undefined ? avatar !== null : Boolean(member?.avatar)) && (
              <button type="button" className="link-button small" onClick={() => setAvatar(member?.avatar ? null : undefined)}>
                Remove Server Avatar
              </button>
            )}
          </div>
        </fieldset>
        <BannerEditor
          currentUrl={currentBanner}
          picked={banner}
          onPick={(v) => (setBanner(v), setStatus({}))}
          onError={(error) => setStatus({ error })}
          fallback={accountBanner ? "Your account's banner shows here." : 'No banner.'}
        />
        <AboutMeField value={bio} onChange={setBio} placeholder={me.bio || 'Your account\'s About Me shows when this is empty.'} />
        {status.error && <p className="form-error" role="alert">{status.error}</p>}
        {status.ok && <p className="form-ok" role="status">{status.ok}</p>}
        <div className="modal-actions">
          <button type="submit" className="button" aria-disabled={busy || savedBio === null}>
            Save Changes
          </button>
        </div>
      </form>
    </Modal>
  );
}
