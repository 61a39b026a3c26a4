/**
 * The web client's mention logic in Node (web/src/autocomplete.ts, mentions.ts, emoji-shortcodes.ts): where an
 * autocomplete trigger is, what `@` offers under which permissions, which messages mention the user, and that
 * the unread-mention count is idempotent (a resumed session replays events). The browser side (keys, popup,
 * badges, the new-messages bar) is test/browser/web-mentions.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Permissions } from '../../src/protocol/permissions.ts';
import { channelSuggestions, findTrigger, mentionSuggestions } from '../../web/src/autocomplete.ts';
import { searchShortcodes } from '../../web/src/emoji-shortcodes.ts';
import { clearMentions, countMention, mentionCountsFromReady, mentionsMe } from '../../web/src/mentions.ts';
import type { State } from '../../web/src/store.ts';
import type { Message } from '../../web/src/types.ts';

const GUILD = '100';
const ME = '1';
const OTHER = '2';

function state(everyonePerms: bigint, overrides: Partial<State> = {}): State {
  const perms = String(everyonePerms);
  return {
    me: { id: ME, username: 'me' },
    users: {},
    guilds: {
      [GUILD]: {
        id: GUILD, name: 'G', icon: null, owner_id: '999', member_count: 3, unavailable: false, system_channel_id: null,
        roles: {
          [GUILD]: { id: GUILD, name: '@everyone', color: 0, hoist: false, position: 0, permissions: perms },
          '201': { id: '201', name: 'Helpers', color: 0, hoist: false, position: 1, permissions: '0', mentionable: true },
          '202': { id: '202', name: 'Hushed', color: 0, hoist: false, position: 2, permissions: '0', mentionable: false },
        },
      },
    },
    channels: {
      '300': { id: '300', type: 0, guild_id: GUILD, name: 'general', position: 0, last_message_id: '500' },
      '301': { id: '301', type: 0, guild_id: GUILD, name: 'secret', position: 1, permission_overwrites: [{ id: GUILD, type: 0, allow: '0', deny: String(Permissions.VIEW_CHANNEL) }] },
    },
    members: {
      [GUILD]: {
        [ME]: { user: { id: ME, username: 'me' }, roles: ['201'] },
        [OTHER]: { user: { id: OTHER, username: 'carol', global_name: 'Carol' }, nick: 'Caz', roles: [] },
      },
    },
    readStates: { '300': '500' },
    mentionCounts: {},
    ...overrides,
  } as unknown as State;
}

const VIEW_SEND = Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES;
const message = (id: string, extra: Partial<Message> = {}): Message =>
  ({ id, channel_id: '300', author: { id: OTHER, username: 'carol' }, content: '', timestamp: '', edited_timestamp: null, type: 0, ...extra }) as Message;

describe('autocomplete triggers', () => {
  it('finds @, # and : at the start or after a space, with the query up to the caret', () => {
    assert.deepEqual(findTrigger('hi @ca', 6), { char: '@', start: 3, end: 6, query: 'ca' });
    assert.deepEqual(findTrigger('#', 1), { char: '#', start: 0, end: 1, query: '' });
    assert.deepEqual(findTrigger('(@x', 3), { char: '@', start: 1, end: 3, query: 'x' });
    assert.deepEqual(findTrigger('nice :thu', 9), { char: ':', start: 5, end: 9, query: 'thu' });
    // The caret decides, not the end of the text.
    assert.deepEqual(findTrigger('@al and more', 3), { char: '@', start: 0, end: 3, query: 'al' });
  });

  it('ignores what only looks like one', () => {
    assert.equal(findTrigger('mail@example', 12), null, 'inside a word');
    assert.equal(findTrigger('at 12:30', 8), null, 'a time');
    assert.equal(findTrigger('see https://x', 13), null, 'a URL');
    assert.equal(findTrigger('so :t', 5), null, 'emoji need two characters');
    assert.equal(findTrigger('@al done', 8), null, 'a space ends the query');
    assert.equal(findTrigger(`<@${ME}>`, 4), null, 'a mention already written');
  });
});

describe('what @ and # offer', () => {
  it('@everyone, @here and unmentionable roles only with MENTION_EVERYONE in the channel', () => {
    const labels = (s: State) => mentionSuggestions(s, '300', '').map((x) => x.label);
    const without = labels(state(VIEW_SEND));
    assert.ok(without.includes('Caz') && without.includes('@Helpers'), String(without));
    assert.ok(!without.includes('@Hushed') && !without.includes('@everyone') && !without.includes('@here'), String(without));
    const withIt = labels(state(VIEW_SEND | Permissions.MENTION_EVERYONE));
    assert.ok(withIt.includes('@Hushed') && withIt.includes('@everyone') && withIt.includes('@here'), String(withIt));
    // A channel overwrite taking it away counts.
    const denied = state(VIEW_SEND | Permissions.MENTION_EVERYONE);
    denied.channels['300'] = { ...denied.channels['300']!, permission_overwrites: [{ id: GUILD, type: 0, allow: '0', deny: String(Permissions.MENTION_EVERYONE) }] };
    assert.ok(!labels(denied).includes('@everyone'));
  });

  it('inserts the wire syntax and matches nick, global name or username', () => {
    const s = state(VIEW_SEND | Permissions.MENTION_EVERYONE);
    for (const q of ['caz', 'car', 'CAROL']) assert.equal(mentionSuggestions(s, '300', q)[0]?.insert, `<@${OTHER}>`, q);
    assert.equal(mentionSuggestions(s, '300', 'help')[0]?.insert, '<@&201>');
    assert.equal(mentionSuggestions(s, '300', 'ev')[0]?.insert, '@everyone');
    assert.deepEqual(channelSuggestions(s, '300', '').map((x) => x.insert), ['<#300>'], 'a channel one cannot see is not offered');
  });
});

describe('mentions of the user', () => {
  it('by id, through a role held, or @everyone', () => {
    assert.equal(mentionsMe({ mentions: [{ id: ME, username: 'me' }] }, ME, []), true);
    assert.equal(mentionsMe({ mention_roles: ['201'] }, ME, ['201']), true);
    assert.equal(mentionsMe({ mention_roles: ['202'] }, ME, ['201']), false);
    assert.equal(mentionsMe({ mention_everyone: true }, ME, []), true);
    assert.equal(mentionsMe({ mentions: [{ id: OTHER, username: 'carol' }] }, ME, []), false);
  });

  it('counts a new mention once, however often its event arrives, and not once read', () => {
    const s = state(VIEW_SEND);
    const ping = message('600', { mentions: [{ id: ME, username: 'me' }] });
    const counted = countMention(s, ping);
    assert.deepEqual(counted?.mentionCounts, { '300': 1 });
    // The reducer then moves last_message_id to 600: the same event again (a resume's replay) adds nothing.
    const after = { ...s, ...counted, channels: { ...s.channels, '300': { ...s.channels['300']!, last_message_id: '600' } } } as State;
    assert.equal(countMention(after, ping), undefined);
    assert.equal(countMention({ ...s, readStates: { '300': '600' } } as State, ping), undefined, 'already read');
    assert.equal(countMention(s, message('601')), undefined, 'no mention');
    assert.equal(countMention(s, { ...ping, author: { id: ME, username: 'me' } }), undefined, 'our own');
    assert.deepEqual(clearMentions(after, '300')?.mentionCounts, {});
    assert.deepEqual(mentionCountsFromReady([{ id: '300', last_message_id: '1', mention_count: 2 }, { id: '301', last_message_id: '1', mention_count: 0 }]), { '300': 2 });
  });
});

describe('emoji shortcodes', () => {
  it('prefix matches first, shortest first, then substrings', () => {
    const all = [
      { emoji: '⛈️', shortcodes: ['thunder_cloud_and_rain'], label: 'cloud with lightning and rain' },
      { emoji: '👎', shortcodes: ['-1', 'thumbsdown'], label: 'thumbs down' },
      { emoji: '👍', shortcodes: ['+1', 'thumbsup'], label: 'thumbs up' },
      { emoji: '🤔', shortcodes: ['thinking'], label: 'thinking face' },
      { emoji: '🧑', shortcodes: ['arthur'], label: 'not real' },
    ];
    assert.deepEqual(searchShortcodes(all, 'thu', 10).map((e) => e.emoji), ['👍', '👎', '⛈️', '🧑']);
  });
});
