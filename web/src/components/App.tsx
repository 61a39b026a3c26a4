/** Top level: routing between auth, invite and the chat shell, the connection banner, phone drawers. */
import { useEffect } from 'react';
import { navigate, parseRoute, usePath } from '../router.ts';
import { useStore } from '../store.ts';
import { ChannelType } from '../types.ts';
import { ui, useUi } from '../ui.ts';
import { AuthScreen } from './Auth.tsx';
import { ChatView } from './Chat.tsx';
import { GuildRail } from './GuildRail.tsx';
import { InviteScreen } from './Invite.tsx';
import { MemberList, RecipientList, UserPopout } from './Members.tsx';
import { Sidebar, useGuildChannels } from './Sidebar.tsx';
import { Icon } from './Icon.tsx';

const LAST_CHANNEL_KEY = 'accord.lastChannel';

export function App() {
  const path = usePath();
  const route = parseRoute(path);
  const loggedIn = useStore((s) => s.conn !== 'idle');
  const ready = useStore((s) => s.ready);

  useEffect(() => {
    if (loggedIn && (route.name === 'login' || route.name === 'register' || route.name === 'home')) navigate('/channels/@me', { replace: true });
  }, [loggedIn, route.name]);

  if (!loggedIn) {
    const mode = route.name === 'register' ? 'register' : 'login';
    return <AuthScreen mode={mode} inviteCode={route.name === 'invite' ? route.code : undefined} onSwitch={(m) => navigate(route.name === 'invite' ? path : `/${m}`, { replace: true })} key={mode} />;
  }
  if (!ready) {
    return (
      <div className="splash" role="status">
        <div className="spinner" aria-hidden="true" />
        Connecting…
      </div>
    );
  }
  if (route.name === 'invite') return <InviteScreen code={route.code} />;
  if (route.name !== 'channels') return null;
  return <Shell guildId={route.guildId} channelId={route.channelId} />;
}

function ConnectionBanner() {
  const conn = useStore((s) => s.conn);
  if (conn === 'ready') return null;
  return (
    <div className="conn-banner" role="status" data-testid="reconnecting">
      {conn === 'closed' ? 'Disconnected.' : 'Reconnecting…'}
    </div>
  );
}

function Shell({ guildId, channelId }: { guildId: string; channelId: string | null }) {
  const guild = useStore((s) => (guildId === '@me' ? null : s.guilds[guildId]));
  const channel = useStore((s) => (channelId ? s.channels[channelId] : undefined));
  const drawer = useUi((u) => u.drawer);
  const membersOpen = useUi((u) => u.membersOpen);
  const { visible } = useGuildChannels(guildId === '@me' ? '' : guildId);

  // A guild URL without a channel opens the last channel viewed there, else its first text channel.
  useEffect(() => {
    if (guildId === '@me' || channelId || !guild) return;
    const last = localStorage.getItem(`${LAST_CHANNEL_KEY}.${guildId}`);
    const text = visible.filter((c) => c.type === 0 || c.type === 5);
    const pick = text.find((c) => c.id === last) ?? text[0];
    if (pick) navigate(`/channels/${guildId}/${pick.id}`, { replace: true });
  }, [guildId, channelId, guild, visible]);

  useEffect(() => {
    if (channelId && guildId !== '@me') localStorage.setItem(`${LAST_CHANNEL_KEY}.${guildId}`, channelId);
    const name = channel ? (channel.guild_id ? `#${channel.name}` : 'Direct Messages') : 'Accord';
    document.title = guild ? `${name} | ${guild.name}` : `${name} | Accord`;
  }, [channelId, guildId, channel, guild]);

  const closeDrawer = () => ui.setDrawer('none');
  let main;
  if (guildId !== '@me' && !guild) main = <main className="chat empty" aria-label="Chat"><p className="muted">Loading server…</p></main>;
  else if (channelId && channel) main = <ChatView key={channelId} guildId={guildId === '@me' ? null : guildId} channelId={channelId} />;
  else if (channelId) main = <main className="chat empty" aria-label="Chat"><p className="muted">This channel doesn't exist or you can't see it.</p></main>;
  else
    main = (
      <main className="chat empty" aria-label="Chat">
        <button type="button" className="icon-button mobile-only corner" aria-label="Open navigation" onClick={() => ui.setDrawer('nav')}>
          <Icon name="menu" />
        </button>
        <p className="muted">{guildId === '@me' ? 'Pick a conversation, or open someone’s profile from a server to message them.' : 'This server has no text channels you can see.'}</p>
      </main>
    );

  return (
    <div className={`app drawer-${drawer}${membersOpen && (guild || channel?.type === ChannelType.GROUP_DM) ? ' members-open' : ''}`}>
      <ConnectionBanner />
      <div className="layout">
        <div className="nav-panels">
          <GuildRail activeGuildId={guildId} />
          <Sidebar guildId={guildId} channelId={channelId} onNavigate={closeDrawer} />
        </div>
        {drawer === 'nav' && <div className="drawer-backdrop" onClick={closeDrawer} aria-hidden="true" />}
        {main}
        {guild && <MemberList guildId={guild.id} />}
        {!guild && channelId && channel?.type === ChannelType.GROUP_DM && <RecipientList channelId={channelId} />}
      </div>
      <UserPopout />
    </div>
  );
}
