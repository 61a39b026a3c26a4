/**
 * Top level: routing between auth, invite and the chat shell, the connection banner, phone drawers, the page
 * title (with the unread count), a skip link to the message box, and the notice that says why a server or
 * channel URL led home.
 */
import { Suspense, lazy, useEffect, useState } from 'react';
import { WelcomeGate } from './WelcomeGate.tsx';
import { owesOnboarding } from '../onboarding.ts';
import { UNKNOWN_CHANNEL_TEXT, UNKNOWN_SERVER_TEXT, deletedChannel, expectedFor, wasRemoved } from '../membership.ts';
import { navigate, parseRoute, usePath } from '../router.ts';
import { channelLabel, useStore } from '../store.ts';
import { ChannelType } from '../types.ts';
import { ui, useUi } from '../ui.ts';
import { useUnread } from '../unread.ts';
import { AuthScreen } from './Auth.tsx';
import { ChatView } from './Chat.tsx';
import { focusComposer } from '../focus.ts';
import { GuildRail } from './GuildRail.tsx';
import { MemberList, RecipientList, UserPopout } from './Members.tsx';
import { ModerationHost } from './MemberActions.tsx';
import { Sidebar, useGuildChannels } from './Sidebar.tsx';
import { Icon } from './Icon.tsx';
import { LightboxHost } from './Attachments.tsx';
import { InteractionModalHost } from './InteractionModal.tsx';
import { PushPrompt } from './PushPrompt.tsx';
import { FriendsView } from './Friends.tsx';

const LAST_CHANNEL_KEY = 'accord.lastChannel';

// Pages reached by their own links, and a dialog few members see: loaded when shown, not with the first screen.
const InviteScreen = lazy(() => import('./Invite.tsx').then((m) => ({ default: m.InviteScreen })));
const TemplateScreen = lazy(() => import('./GuildTemplate.tsx').then((m) => ({ default: m.TemplateScreen })));
const OAuth2AuthorizeScreen = lazy(() => import('./OAuth2Authorize.tsx').then((m) => ({ default: m.OAuth2AuthorizeScreen })));
const LobbiesView = lazy(() => import('./Lobbies.tsx').then((m) => ({ default: m.LobbiesView })));
const OnboardingPromptsDialog = lazy(() => import('./OnboardingPrompts.tsx').then((m) => ({ default: m.OnboardingPromptsDialog })));

const pageLoading = (
  <div className="splash" role="status">
    <div className="spinner" aria-hidden="true" />
    Loading…
  </div>
);

export function App() {
  const path = usePath();
  const route = parseRoute(path);
  const loggedIn = useStore((s) => s.conn !== 'idle');
  const ready = useStore((s) => s.ready);

  // The shell titles its own pages (channel, server, unread count); everything else is just "Accord".
  useEffect(() => {
    if (!loggedIn || !ready || route.name !== 'channels') document.title = 'Accord';
  }, [loggedIn, ready, route.name]);

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
  if (route.name === 'invite') return <Suspense fallback={pageLoading}><InviteScreen code={route.code} /></Suspense>;
  if (route.name === 'template') return <Suspense fallback={pageLoading}><TemplateScreen code={route.code} /></Suspense>;
  if (route.name === 'oauth2-authorize') return <Suspense fallback={pageLoading}><OAuth2AuthorizeScreen search={location.search} /></Suspense>;
  if (route.name !== 'channels') return null;
  return <Shell guildId={route.guildId} channelId={route.channelId} lobbyId={route.lobbyId} />;
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

/** What just happened to the user, until they dismiss it. */
function Notice() {
  const notice = useUi((u) => u.notice);
  if (!notice) return null;
  return (
    <div className="notice" role="alert" data-testid="notice">
      <span>{notice}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => ui.dismissNotice()}>
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}

function Shell({ guildId, channelId, lobbyId }: { guildId: string; channelId: string | null; lobbyId?: string }) {
  const guild = useStore((s) => (guildId === '@me' ? null : s.guilds[guildId]));
  const channel = useStore((s) => (channelId ? s.channels[channelId] : undefined));
  const label = useStore((s) => channelLabel(s, channel));
  const drawer = useUi((u) => u.drawer);
  const membersOpen = useUi((u) => u.membersOpen);
  const { visible } = useGuildChannels(guildId === '@me' ? '' : guildId);
  const unreadCount = useUnread().channels.size;
  const [, recheck] = useState(0);

  // A server we are not in (never were, or were just removed from) or a channel that is not there: go home, or
  // to the server, saying why — unless the server was just created or joined and its GUILD_CREATE is on the way.
  useEffect(() => {
    if (guildId !== '@me' && !guild) {
      const wait = expectedFor(guildId);
      if (wait > 0) {
        const timer = setTimeout(() => recheck((n) => n + 1), wait + 50);
        return () => clearTimeout(timer);
      }
      if (!wasRemoved(guildId)) ui.notify(UNKNOWN_SERVER_TEXT);
      navigate('/channels/@me', { replace: true });
      return;
    }
    if (!channelId || channel || guild?.unavailable) return;
    const gone = deletedChannel(channelId);
    if (!gone) ui.notify(UNKNOWN_CHANNEL_TEXT);
    else if (gone.guildId) ui.notify(`#${gone.name} was deleted.`);
    navigate(guildId === '@me' ? '/channels/@me' : `/channels/${guildId}`, { replace: true });
  }, [guildId, channelId, guild, channel]);

  // A guild URL without a channel opens the last channel viewed there, else its first text channel.
  useEffect(() => {
    if (guildId === '@me' || channelId || !guild) return;
    const last = localStorage.getItem(`${LAST_CHANNEL_KEY}.${guildId}`);
    const text = visible.filter((c) => c.type === 0 || c.type === 5);
    const pick = text.find((c) => c.id === last) ?? text[0];
    if (pick) navigate(`/channels/${guildId}/${pick.id}`, { replace: true });
  }, [guildId, channelId, guild, visible]);

  useEffect(() => {
    if (channelId && channel && guildId !== '@me') localStorage.setItem(`${LAST_CHANNEL_KEY}.${guildId}`, channelId);
  }, [channelId, guildId, channel]);

  // "#general | Server", "@alice", or "Accord"; "(3) " in front while three conversations have unread messages.
  useEffect(() => {
    const place = channel ? `${channel.guild_id ? '#' : '@'}${label}` : '';
    const base = [place, guild?.name].filter(Boolean).join(' | ') || 'Accord';
    document.title = unreadCount ? `(${unreadCount}) ${base}` : base;
  }, [channel, label, guild?.name, unreadCount]);

  const closeDrawer = () => ui.setDrawer('none');
  let main;
  if (guildId !== '@me' && !guild) main = <main className="chat empty" aria-label="Chat"><p className="muted">Loading server…</p></main>;
  else if (guild?.unavailable) main = <main className="chat empty" aria-label="Chat"><p className="muted">This server is unavailable right now. It will load as soon as it is back.</p></main>;
  else if (channelId && channel) main = <ChatView key={channelId} guildId={guildId === '@me' ? null : guildId} channelId={channelId} />;
  else if (channelId) main = <main className="chat empty" aria-label="Chat"><p className="muted">{UNKNOWN_CHANNEL_TEXT}</p></main>;
  else if (lobbyId !== undefined) main = <Suspense fallback={pageLoading}><LobbiesView lobbyId={lobbyId} /></Suspense>;
  else if (guildId === '@me') main = <FriendsView />;
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
      {channel && (
        <a
          className="skip-link"
          href="#composer"
          onClick={(e) => {
            e.preventDefault();
            focusComposer();
          }}
        >
          Skip to message box
        </a>
      )}
      <ConnectionBanner />
      <Notice />
      <PushPrompt />
      {guildId !== '@me' && <WelcomeGate guildId={guildId} />}
      {guildId !== '@me' && <OnboardingGate key={guildId} guildId={guildId} />}
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
      <ModerationHost />
      <LightboxHost />
      <InteractionModalHost />
    </div>
  );
}

/** Loads and shows the onboarding questions only to a member who owes answers (a store read, no request). */
function OnboardingGate({ guildId }: { guildId: string }) {
  const owes = useStore((s) => owesOnboarding(s.guilds[guildId], s.me ? s.members[guildId]?.[s.me.id] : undefined, s.me?.id));
  if (!owes) return null;
  return (
    <Suspense fallback={null}>
      <OnboardingPromptsDialog guildId={guildId} />
    </Suspense>
  );
}
