/**
 * Server settings for the owner (and members with the matching Manage permission): overview, roles with a
 * handful of key permission bits, channels, per-channel permission overwrites, and members' roles.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { rest } from '../api.ts';
import { arrowNavigate } from '../focus.ts';
import { KEY_PERMISSIONS, P, basePermissions, has } from '../perms.ts';
import {
  createChannel, createRole, deleteChannel, deleteOverwrite, deleteRole, errorText, putOverwrite, setMemberRoles, updateChannel, updateGuild, updateRole,
} from '../session.ts';
import { displayName, useStore } from '../store.ts';
import { ChannelType, type Channel, type Member, type Overwrite, type Role } from '../types.ts';
import { Confirm, Modal } from './Modal.tsx';
import { BansTab, DeleteServer, useModerationTabs } from './GuildModeration.tsx';
import { GuildMfaRequirement } from './GuildMfaRequirement.tsx';
import { AuditLogTab, useAuditLogTabs } from './GuildAuditLog.tsx';
import { EmojiTab, useEmojiTabs } from './GuildEmoji.tsx';
import { StickerTab, useStickerTabs } from './GuildStickerSettings.tsx';
import { SoundboardTab, useSoundboardTabs } from './GuildSoundboardSettings.tsx';
import { CommunityTab, MemberTools, useCommunityTabs } from './GuildCommunity.tsx';
import { InvitesTab, useInviteTabs } from './GuildInvites.tsx';
import { OnboardingTab, useOnboardingTabs } from './GuildOnboarding.tsx';
import { IntegrationsTab, useIntegrationTabs } from './GuildIntegrations.tsx';
import { AutoModTab, useAutoModTabs } from './GuildAutoMod.tsx';
import { TemplateTab, useTemplateTabs } from './GuildTemplate.tsx';
import { ModerationButtons } from './MemberActions.tsx';
import { GuildIcon } from './Avatar.tsx';
import { ImagePickButton } from './ImagePickButton.tsx';
import { HOLOGRAPHIC, hex, nameStyle, swatch } from '../role-style.ts';
import { sortedRoles } from '../role-order.ts';

type Tab = 'overview' | 'roles' | 'channels' | 'permissions' | 'members' | 'bans' | 'audit-log' | 'emoji' | 'stickers' | 'soundboard' | 'community' | 'onboarding' | 'invites' | 'integrations' | 'automod' | 'template';
const TABS: Array<[Tab, string]> = [['overview', 'Overview'], ['roles', 'Roles'], ['channels', 'Channels'], ['permissions', 'Channel Permissions'], ['members', 'Members']];

export function GuildSettings({ guildId, onClose }: { guildId: string; onClose: () => void }) {
  const guild = useStore((s) => s.guilds[guildId]);
  const [tab, setTab] = useState<Tab>('overview');
  const [error, setError] = useState('');
  const tabs = useTemplateTabs(guildId, useAutoModTabs(guildId, useIntegrationTabs(guildId, useInviteTabs(guildId, useOnboardingTabs(guildId, useCommunityTabs(guildId, useSoundboardTabs(guildId, useStickerTabs(guildId, useEmojiTabs(guildId, useAuditLogTabs(guildId, useModerationTabs(guildId, TABS)))))))))));
  if (!guild) return null;
  const run = async (fn: () => Promise<unknown>) => {
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Modal title={`${guild.name} — Server Settings`} onClose={onClose} wide>
      <div className="settings">
        <div
          className="settings-tabs"
          role="tablist"
          aria-label="Settings sections"
          onKeyDown={(e) => arrowNavigate(e, { items: '[role="tab"]', orientation: 'vertical' }) || arrowNavigate(e, { items: '[role="tab"]', orientation: 'horizontal' })}
        >
          {tabs.map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`tab-${id}`}
              aria-selected={tab === id}
              aria-controls={`panel-${id}`}
              tabIndex={tab === id ? 0 : -1}
              onClick={() => setTab(id)}
              onFocus={() => setTab(id)}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="settings-panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {error && <p className="form-error" role="alert">{error}</p>}
          {tab === 'overview' && <Overview guildId={guildId} run={run} />}
          {tab === 'roles' && <Roles guildId={guildId} run={run} />}
          {tab === 'channels' && <Channels guildId={guildId} run={run} />}
          {tab === 'permissions' && <Overwrites guildId={guildId} run={run} />}
          {tab === 'members' && <MemberTools guildId={guildId} />}
          {tab === 'members' && <Members guildId={guildId} run={run} />}
          {tab === 'overview' && <GuildMfaRequirement guildId={guildId} />}
          {tab === 'overview' && <DeleteServer guildId={guildId} onDeleted={onClose} />}
          {tab === 'bans' && <BansTab guildId={guildId} run={run} />}
          {tab === 'audit-log' && <AuditLogTab guildId={guildId} />}
          {tab === 'emoji' && <EmojiTab guildId={guildId} />}
          {tab === 'stickers' && <StickerTab guildId={guildId} />}
          {tab === 'soundboard' && <SoundboardTab guildId={guildId} />}
          {tab === 'community' && <CommunityTab guildId={guildId} />}
          {tab === 'onboarding' && <OnboardingTab guildId={guildId} run={run} />}
          {tab === 'invites' && <InvitesTab guildId={guildId} run={run} />}
          {tab === 'integrations' && <IntegrationsTab guildId={guildId} run={run} />}
          {tab === 'automod' && <AutoModTab guildId={guildId} run={run} />}
          {tab === 'template' && <TemplateTab guildId={guildId} run={run} />}
        </div>
      </div>
    </Modal>
  );
}

type Run = (fn: () => Promise<unknown>) => Promise<void>;

/** Discord's system channel flag that turns the join message off. */
const SUPPRESS_JOIN_NOTIFICATIONS = 1 << 0;

function Overview({ guildId, run }: { guildId: string; run: Run }) {
  const guild = useStore((s) => s.guilds[guildId])!;
  const me = useStore((s) => s.me);
  const member = useStore((s) => (me ? s.members[guildId]?.[me.id] : undefined));
  const [name, setName] = useState(guild.name);
  /** A picked icon not saved yet (a data URI), null to remove it, undefined: unchanged. */
  const [icon, setIcon] = useState<string | null | undefined>(undefined);
  const [iconError, setIconError] = useState('');
  // The icon is Manage Server's (as is the name, which the server checks too); the owner holds it unless the server
  // requires 2FA they have turned off (perms.ts).
  const canEditIcon = has(basePermissions(guild, me?.id ?? '', member), P.MANAGE_GUILD);
  const textChannels = useGuildChannelList(guildId).filter((c) => c.type === ChannelType.GUILD_TEXT);
  // Discord's "System Messages Channel", its "Send a random welcome message when someone joins" (the join line in
  // that channel, join-message.ts), and the members' default notifications; unchanged fields are left out of the PATCH.
  const [systemChannel, setSystemChannel] = useState(guild.system_channel_id ?? '');
  const [welcome, setWelcome] = useState((guild.system_channel_flags & SUPPRESS_JOIN_NOTIFICATIONS) === 0);
  const [notifications, setNotifications] = useState(guild.default_message_notifications);
  const renamed = name.trim() !== guild.name;
  const systemChanged = systemChannel !== (guild.system_channel_id ?? '');
  const welcomeChanged = welcome !== ((guild.system_channel_flags & SUPPRESS_JOIN_NOTIFICATIONS) === 0);
  const notificationsChanged = notifications !== guild.default_message_notifications;
  const dirty = (renamed && name.trim().length >= 2) || icon !== undefined || systemChanged || welcomeChanged || notificationsChanged;
  return (
    <form
      className="stack"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (!dirty || name.trim().length < 2) return;
        void run(async () => {
          await updateGuild(guildId, {
            ...(renamed ? { name: name.trim() } : {}),
            ...(icon !== undefined ? { icon } : {}),
            ...(systemChanged ? { system_channel_id: systemChannel || null } : {}),
            ...(welcomeChanged ? { system_channel_flags: welcome ? guild.system_channel_flags & ~SUPPRESS_JOIN_NOTIFICATIONS : guild.system_channel_flags | SUPPRESS_JOIN_NOTIFICATIONS } : {}),
            ...(notificationsChanged ? { default_message_notifications: notifications } : {}),
          });
          setIcon(undefined);
        });
      }}
    >
      {canEditIcon && (
        <fieldset className="avatar-editor">
          <legend>Server icon</legend>
          <GuildIcon guild={guild} size={80} preview={icon} />
          <div className="avatar-editor-actions">
            <ImagePickButton label="Change Icon" onPick={(uri) => (setIcon(uri), setIconError(''))} onError={setIconError} />
            {(icon !== undefined ? icon !== null : Boolean(guild.icon)) && (
              <button type="button" className="link-button small" onClick={() => setIcon(guild.icon ? null : undefined)}>
                Remove Icon
              </button>
            )}
            {icon !== undefined && (
              <span className="muted small" role="status">
                {icon ? 'New icon: save to use it.' : 'Icon removed: save to confirm.'}
              </span>
            )}
            {iconError && <p className="form-error small" role="alert">{iconError}</p>}
          </div>
        </fieldset>
      )}
      <label>
        Server name
        <input name="guild-name" value={name} onChange={(e) => setName(e.target.value)} minLength={2} maxLength={100} required />
      </label>
      <label>
        System messages channel
        <select value={systemChannel} onChange={(e) => setSystemChannel(e.target.value)}>
          <option value="">No system messages</option>
          {textChannels.map((c) => (
            <option key={c.id} value={c.id}>
              # {c.name}
            </option>
          ))}
        </select>
      </label>
      <label className="check-row">
        <input type="checkbox" checked={welcome} onChange={(e) => setWelcome(e.target.checked)} disabled={!systemChannel} />
        Send a welcome message when someone joins this server
      </label>
      <fieldset>
        <legend>Default notification settings</legend>
        <label className="check-row">
          <input type="radio" name="default-notifications" checked={notifications === 0} onChange={() => setNotifications(0)} />
          All messages
        </label>
        <label className="check-row">
          <input type="radio" name="default-notifications" checked={notifications === 1} onChange={() => setNotifications(1)} />
          Only @mentions
        </label>
      </fieldset>
      <button type="submit" className="button" disabled={!dirty || name.trim().length < 2}>
        Save
      </button>
    </form>
  );
}

function Roles({ guildId, run }: { guildId: string; run: Run }) {
  const guild = useStore((s) => s.guilds[guildId])!;
  const roles = useMemo(() => sortedRoles(guild.roles), [guild.roles]);
  const [selected, setSelected] = useState<string>(guildId);
  const role = guild.roles[selected] ?? guild.roles[guildId];
  // How many members hold each role (GET /guilds/{id}/roles/member-counts), read when the tab opens and roles change.
  const [counts, setCounts] = useState<Record<string, number>>({});
  useEffect(() => {
    let live = true;
    rest.get<Record<string, number>>(`/guilds/${guildId}/roles/member-counts`).then((c) => live && setCounts(c), () => {});
    return () => {
      live = false;
    };
  }, [guildId, roles.length]);
  return (
    <div className="split">
      <div className="split-list">
        <button type="button" className="button small" onClick={() => run(async () => setSelected((await createRole(guildId, 'new role')).id))}>
          Create Role
        </button>
        <ul role="listbox" aria-label="Roles">
          {roles.map((r) => (
            <li key={r.id} role="option" aria-selected={r.id === role?.id}>
              <button type="button" className={r.id === role?.id ? 'list-item active' : 'list-item'} onClick={() => setSelected(r.id)}>
                <span className="role-dot" style={{ background: swatch(r) }} aria-hidden="true" />
                {r.id === guildId ? '@everyone' : r.name}
                {r.id !== guildId && counts[r.id] !== undefined && (
                  <span className="muted small role-count" aria-label={`${counts[r.id]} ${counts[r.id] === 1 ? 'member' : 'members'}`}> — {counts[r.id]}</span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </div>
      {role && <RoleEditor key={role.id} guildId={guildId} role={role} run={run} onDeleted={() => setSelected(guildId)} />}
    </div>
  );
}

/** Solid, a gradient of two colors, or Discord's holographic style (role-style.ts). */
type RoleStyleChoice = 'solid' | 'gradient' | 'holographic';
const styleOf = (r: Role): RoleStyleChoice => (r.colors?.tertiary_color != null ? 'holographic' : r.colors?.secondary_color != null ? 'gradient' : 'solid');

function RoleEditor({ guildId, role, run, onDeleted }: { guildId: string; role: Role; run: Run; onDeleted: () => void }) {
  const everyone = role.id === guildId;
  const [name, setName] = useState(role.name);
  const [color, setColor] = useState(hex(role.color || 0x99aab5));
  const [style, setStyle] = useState<RoleStyleChoice>(styleOf(role));
  const [second, setSecond] = useState(hex(role.colors?.secondary_color ?? 0xffffff));
  const [emoji, setEmoji] = useState(role.unicode_emoji ?? '');
  const [hoist, setHoist] = useState(role.hoist);
  const [perms, setPerms] = useState(BigInt(role.permissions));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const colorsDirty = style !== styleOf(role) || (role.color ? color !== hex(role.color) : color !== '#99aab5') || (style === 'gradient' && second !== hex(role.colors?.secondary_color ?? 0xffffff));
  const dirty = name !== role.name || colorsDirty || emoji !== (role.unicode_emoji ?? '') || hoist !== role.hoist || perms !== BigInt(role.permissions);
  const picked: { primary_color: number; secondary_color: number | null; tertiary_color: number | null } = (() => {
    if (style === 'holographic') return { ...HOLOGRAPHIC };
    const c = parseInt(color.slice(1), 16);
    // The picker's grey stands for "no colour".
    return { primary_color: c === 0x99aab5 ? 0 : c, secondary_color: style === 'gradient' ? parseInt(second.slice(1), 16) : null, tertiary_color: null };
  })();
  return (
    <form
      className="stack role-editor"
      aria-label={`Edit role ${everyone ? '@everyone' : role.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => updateRole(guildId, role.id, {
          ...(everyone ? {} : { name, hoist, ...(colorsDirty ? { colors: picked } : {}), ...(emoji !== (role.unicode_emoji ?? '') ? { unicode_emoji: emoji.trim() || null } : {}) }),
          permissions: perms.toString(),
        }));
      }}
    >
      {!everyone && (
        <div className="row">
          <label className="grow">
            Role name
            <input name="role-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
          </label>
          <label>
            Role emoji
            <input name="role-emoji" value={emoji} onChange={(e) => setEmoji(e.target.value)} maxLength={32} placeholder="🎉" size={4} />
          </label>
        </div>
      )}
      {!everyone && (
        <fieldset className="role-colors">
          <legend>Role Style</legend>
          <div className="row wrap" role="radiogroup" aria-label="Role style">
            {(['solid', 'gradient', 'holographic'] as const).map((s) => (
              <label key={s} className="check-row">
                <input type="radio" name="role-style" value={s} checked={style === s} onChange={() => setStyle(s)} /> {s === 'solid' ? 'Solid' : s === 'gradient' ? 'Gradient' : 'Holographic'}
              </label>
            ))}
          </div>
          {style !== 'holographic' && (
            <div className="row">
              <label>
                {style === 'gradient' ? 'Primary colour' : 'Colour'}
                <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
              </label>
              {style === 'gradient' && (
                <label>
                  Secondary colour
                  <input type="color" value={second} onChange={(e) => setSecond(e.target.value)} />
                </label>
              )}
            </div>
          )}
          <p className="role-preview" data-testid="role-preview">
            <span style={nameStyle({ ...role, color: picked.primary_color || 0x99aab5, colors: picked })}>{name || role.name}</span>
          </p>
        </fieldset>
      )}
      {!everyone && (
        <label className="check-row">
          <input type="checkbox" checked={hoist} onChange={(e) => setHoist(e.target.checked)} /> Display role members separately from online members
        </label>
      )}
      <fieldset>
        <legend>Permissions</legend>
        {KEY_PERMISSIONS.map((p) => (
          <label key={p.label} className="check-row toggle">
            <input type="checkbox" role="switch" checked={(perms & p.bit) === p.bit} onChange={(e) => setPerms((x) => (e.target.checked ? x | p.bit : x & ~p.bit))} />
            {p.label}
          </label>
        ))}
      </fieldset>
      <div className="modal-actions">
        {!everyone && (
          <button type="button" className="button danger" onClick={() => setConfirmDelete(true)}>
            Delete Role
          </button>
        )}
        {confirmDelete && (
          <Confirm
            title="Delete Role"
            body={<p>Are you sure you want to delete the role {role.name}? Members who have it lose it and its permissions. This cannot be undone.</p>}
            confirmLabel="Delete"
            onClose={() => setConfirmDelete(false)}
            onConfirm={async () => {
              await deleteRole(guildId, role.id);
              onDeleted();
            }}
          />
        )}
        <button type="submit" className="button" disabled={!dirty}>
          Save Role
        </button>
      </div>
    </form>
  );
}

function useGuildChannelList(guildId: string) {
  const channels = useStore((s) => s.channels);
  return useMemo(
    () => Object.values(channels).filter((c) => c.guild_id === guildId).sort((a, b) => (a.position ?? 0) - (b.position ?? 0)),
    [channels, guildId],
  );
}

function Channels({ guildId, run }: { guildId: string; run: Run }) {
  const list = useGuildChannelList(guildId);
  const categories = list.filter((c) => c.type === ChannelType.GUILD_CATEGORY);
  const [name, setName] = useState('');
  const [type, setType] = useState(0);
  const [parent, setParent] = useState('');
  return (
    <div className="stack">
      <form
        className="row wrap"
        aria-label="Create channel"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await createChannel(guildId, { name: name.trim(), type, ...(parent && type !== 4 ? { parent_id: parent } : {}) });
            setName('');
          });
        }}
      >
        <label className="grow">
          New channel name
          <input name="channel-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(Number(e.target.value))}>
            <option value={0}>Text</option>
            <option value={5}>Announcement</option>
            <option value={2}>Voice</option>
            <option value={13}>Stage</option>
            <option value={4}>Category</option>
            <option value={15}>Forum</option>
            <option value={16}>Media</option>
          </select>
        </label>
        {type !== 4 && (
          <label>
            Category
            <select value={parent} onChange={(e) => setParent(e.target.value)}>
              <option value="">(none)</option>
              {categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" className="button" disabled={!name.trim()}>
          Create Channel
        </button>
      </form>
      <ul className="settings-list">
        {list.map((c) => (
          <ChannelRow key={c.id} channel={c} run={run} />
        ))}
      </ul>
    </div>
  );
}

function ChannelRow({ channel, run }: { channel: Channel; run: Run }) {
  const [name, setName] = useState(channel.name ?? '');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const kind = channel.type === 4 ? 'category' : channel.type === 2 ? 'voice' : 'text';
  const isCategory = channel.type === ChannelType.GUILD_CATEGORY;
  return (
    <li className="row">
      <span className="muted kind">{kind}</span>
      <input className="grow" aria-label={`Name of ${kind} channel ${channel.name}`} value={name} onChange={(e) => setName(e.target.value)} />
      <button type="button" className="button small" disabled={name === channel.name || !name.trim()} onClick={() => run(() => updateChannel(channel.id, { name: name.trim() }))}>
        Rename
      </button>
      <button type="button" className="button small danger" aria-label={`Delete ${channel.name}`} onClick={() => setConfirmDelete(true)}>
        Delete
      </button>
      {confirmDelete && (
        <Confirm
          title={isCategory ? 'Delete Category' : 'Delete Channel'}
          body={
            <p>
              {isCategory
                ? `Are you sure you want to delete the category ${channel.name}? Its channels are kept, without a category. This cannot be undone.`
                : `Are you sure you want to delete #${channel.name}? Its messages go with it. This cannot be undone.`}
            </p>
          }
          confirmLabel={isCategory ? 'Delete Category' : 'Delete Channel'}
          onClose={() => setConfirmDelete(false)}
          onConfirm={() => deleteChannel(channel.id)}
        />
      )}
    </li>
  );
}

type Tri = 'allow' | 'neutral' | 'deny';

function Overwrites({ guildId, run }: { guildId: string; run: Run }) {
  const guild = useStore((s) => s.guilds[guildId])!;
  const list = useGuildChannelList(guildId);
  const [channelId, setChannelId] = useState(list.find((c) => c.type === 0)?.id ?? list[0]?.id ?? '');
  const channel = list.find((c) => c.id === channelId);
  const roles = sortedRoles(guild.roles);
  const [target, setTarget] = useState(guildId);
  // The overwrite as last set here, shown until the server's CHANNEL_UPDATE replaces the channel object.
  const [optimistic, setOptimistic] = useState<{ channel: Channel; ow: Overwrite } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  if (!channel) return <p className="muted">No channels.</p>;
  const existing = channel.permission_overwrites ?? [];
  const fromOptimistic = optimistic && optimistic.channel === channel && optimistic.ow.id === target ? optimistic.ow : undefined;
  const ow: Overwrite = fromOptimistic ?? existing.find((o) => o.id === target) ?? { id: target, type: 0, allow: '0', deny: '0' };
  const allow = BigInt(ow.allow);
  const deny = BigInt(ow.deny);
  const state = (bit: bigint): Tri => ((allow & bit) === bit ? 'allow' : (deny & bit) === bit ? 'deny' : 'neutral');
  const set = (bit: bigint, v: Tri) => {
    const a = v === 'allow' ? allow | bit : allow & ~bit;
    const d = v === 'deny' ? deny | bit : deny & ~bit;
    const next: Overwrite = { id: target, type: 0, allow: a.toString(), deny: d.toString() };
    setOptimistic({ channel, ow: next });
    return run(async () => {
      try {
        await putOverwrite(channel.id, next);
      } catch (err) {
        setOptimistic(null);
        throw err;
      }
    });
  };
  const roleName = (id: string) => (id === guildId ? '@everyone' : (guild.roles[id]?.name ?? 'unknown role'));
  return (
    <div className="stack">
      <div className="row wrap">
        <label>
          Channel
          <select aria-label="Channel" value={channel.id} onChange={(e) => setChannelId(e.target.value)}>
            {list.map((c) => (
              <option key={c.id} value={c.id}>
                {c.type === 4 ? `▸ ${c.name}` : `# ${c.name}`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Role
          <select aria-label="Role" value={target} onChange={(e) => setTarget(e.target.value)}>
            {roles.map((r) => (
              <option key={r.id} value={r.id}>
                {roleName(r.id)}
                {existing.some((o) => o.id === r.id) ? ' •' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>
      <table className="perm-table">
        <caption className="sr-only">
          Permission overwrites for {roleName(target)} in {channel.name}
        </caption>
        <thead>
          <tr>
            <th scope="col">Permission</th>
            <th scope="col">Deny</th>
            <th scope="col">Inherit</th>
            <th scope="col">Allow</th>
          </tr>
        </thead>
        <tbody>
          {KEY_PERMISSIONS.filter((p) => p.channel).map((p) => (
            <tr key={p.label}>
              <th scope="row">{p.label}</th>
              {(['deny', 'neutral', 'allow'] as const).map((v) => (
                <td key={v}>
                  <input
                    type="radio"
                    name={`ow-${p.label}`}
                    aria-label={`${p.label}: ${v === 'neutral' ? 'inherit' : v}`}
                    className={`tri ${v}`}
                    checked={state(p.bit) === v}
                    onChange={() => void set(p.bit, v)}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {existing.some((o) => o.id === target) && (
        <button type="button" className="button danger small" onClick={() => setConfirmRemove(true)}>
          Remove overwrite for {roleName(target)}
        </button>
      )}
      {confirmRemove && (
        <Confirm
          title="Remove Overwrite"
          body={<p>Remove the permission overwrite for {roleName(target)} in {channel.type === ChannelType.GUILD_CATEGORY ? channel.name : `#${channel.name}`}? Its permissions there go back to the role's own.</p>}
          confirmLabel="Remove"
          onClose={() => setConfirmRemove(false)}
          onConfirm={() => deleteOverwrite(channel.id, target)}
        />
      )}
    </div>
  );
}

function Members({ guildId, run }: { guildId: string; run: Run }) {
  const members = useStore((s) => s.members[guildId]);
  const guild = useStore((s) => s.guilds[guildId])!;
  const state = useStore((s) => s);
  // Optimistic checkbox state until GUILD_MEMBER_UPDATE (or the error) arrives.
  // Keyed by user:role, and only valid while the member object is the one it was set against.
  const [pending, setPending] = useState<Record<string, { member: Member; on: boolean }>>({});
  const roles = sortedRoles(guild.roles).filter((r) => r.id !== guildId && !r.managed);
  return (
    <ul className="settings-list">
      {Object.entries(members ?? {}).map(([uid, m]) => (
        <li key={uid} className="member-roles">
          <strong>{displayName(state, uid, guildId)}</strong>
          <ModerationButtons guildId={guildId} userId={uid} />
          <div className="row wrap">
            {roles.map((r) => {
              const key = `${uid}:${r.id}`;
              return (
                <label key={r.id} className="check-row">
                  <input
                    type="checkbox"
                    checked={pending[key]?.member === m ? pending[key].on : m.roles.includes(r.id)}
                    onChange={(e) => {
                      const on = e.target.checked;
                      setPending((p) => ({ ...p, [key]: { member: m, on } }));
                      void run(async () => {
                        try {
                          await setMemberRoles(guildId, uid, on ? [...new Set([...m.roles, r.id])] : m.roles.filter((x) => x !== r.id));
                        } catch (err) {
                          setPending(({ [key]: _, ...rest }) => rest);
                          throw err;
                        }
                      });
                    }}
                  />
                  {r.name}
                </label>
              );
            })}
            {roles.length === 0 && <span className="muted small">Create roles in the Roles tab to assign them.</span>}
          </div>
        </li>
      ))}
    </ul>
  );
}
