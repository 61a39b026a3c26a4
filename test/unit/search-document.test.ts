/** What a stored message gives the search index for the rarer filters (src/search/document.ts, facets.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchDocument } from '../../src/search/document.ts';
import type { MessageRecord } from '../../src/store/types.ts';

function message(over: Partial<MessageRecord>): MessageRecord {
  return {
    id: '1100000000000000000', channelId: '2', guildId: '1', authorId: '3', content: '', type: 0, flags: 0, tts: false,
    mentionEveryone: false, mentions: [], mentionRoles: [], mentionChannels: [], embeds: [], attachments: [], components: [],
    stickerItems: [], nonce: null, pinned: false, webhookId: null, applicationId: null, messageReference: null, editedAt: null, ...over,
  };
}

describe('search documents: the rarer filters', () => {
  it('link hosts from the content and embeds, lower case, once each', () => {
    const doc = searchDocument(message({
      content: 'see https://Docs.Example.test/a, http://docs.example.test/b and <https://quiet.test/c> ftp://no.test',
      embeds: [{ type: 'link', url: 'https://EMBED.test/page' }],
    }), false);
    // A link in <…> is not unfurled (message-urls.ts), as for `has:link`; ftp is not a link.
    assert.deepEqual([...doc.linkHostnames!].sort(), ['docs.example.test', 'embed.test']);
  });

  it('embed types and providers as Discord groups them', () => {
    const doc = searchDocument(message({
      embeds: [
        { type: 'gifv', provider: { name: 'Tenor' }, video: { url: 'https://t.test/v.mp4' } },
        { type: 'article', provider: { name: 'News Site' }, thumbnail: { url: 'https://n.test/t.png' } },
        { type: 'rich', image: { url: 'https://i.test/i.png' } },
        { type: 'video', provider: { name: 'YouTube' } },
      ],
    }), false);
    assert.deepEqual([...doc.embedTypes!].sort(), ['article', 'gif', 'image', 'video']);
    assert.deepEqual([...doc.embedProviders!].sort(), ['News Site', 'Tenor', 'YouTube']);
  });

  it('a Components V2 message is searched by its text displays, nested ones too', () => {
    const doc = searchDocument(message({
      flags: 1 << 15,
      components: [
        { type: 17, id: 1, components: [{ type: 10, id: 2, content: 'quarterly numbers' }, { type: 9, id: 3, components: [{ type: 10, id: 4, content: 'approve budget' }], accessory: { type: 2, id: 5, style: 1, custom_id: 'x' } }] },
        { type: 10, id: 6, content: 'footnote' },
      ],
    }), false);
    assert.equal(doc.content, 'quarterly numbers\napprove budget\nfootnote');
    const linked = searchDocument(message({ flags: 1 << 15, components: [{ type: 10, id: 1, content: 'see https://Docs.Example.test/x' }] }), false);
    assert.ok(linked.has.includes('link'), 'a link in a text display is a link');
    assert.deepEqual(linked.linkHostnames, ['docs.example.test']);
    // Without the flag, components are not words.
    assert.equal(searchDocument(message({ components: [{ type: 10, id: 1, content: 'ignored' }] }), false).content, '');
  });

  it('attachment names folded and their extensions', () => {
    const doc = searchDocument(message({
      attachments: [
        { id: '9', filename: 'Report.PDF', size: 1, contentType: 'application/pdf' },
        { id: '10', filename: 'archive.tar.gz', size: 1, contentType: 'application/gzip' },
        { id: '11', filename: '.env', size: 1, contentType: 'text/plain' },
        { id: '12', filename: 'README', size: 1, contentType: 'text/plain' },
      ],
    }), false);
    assert.deepEqual(doc.attachmentFilenames, ['report.pdf', 'archive.tar.gz', '.env', 'readme']);
    assert.deepEqual(doc.attachmentExtensions, ['pdf', 'gz']);
  });

  it('a reply names the message it answers and that message\'s author; other references do not', () => {
    const reply = searchDocument(message({ type: 19, messageReference: { type: 0, messageId: '1099999999999999999' } }), false, '77');
    assert.equal(reply.repliedToMessageId, '1099999999999999999');
    assert.equal(reply.repliedToUserId, '77');
    const forward = searchDocument(message({ type: 0, messageReference: { type: 1, messageId: '1099999999999999999' } }), false, '77');
    assert.equal(forward.repliedToMessageId, null);
    assert.equal(forward.repliedToUserId, null);
  });
});
