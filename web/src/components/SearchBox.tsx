/**
 * The search box of the channel header: words and filter chips (search.ts) searched across the server (or in
 * the DM), the results in a popout grouped by channel, newest first, each with a Jump that opens the message in
 * its channel (jump.ts). Escape or a click outside closes the results.
 */
import { useEffect, useRef, useState } from 'react';
import { jumpToMessage } from '../jump.ts';
import { Markdown } from '../markdown.tsx';
import { FILTER_KEYS, groupByChannel, parseSearch, runSearch, type ParsedSearch, type SearchResults } from '../search.ts';
import { errorText } from '../session.ts';
import { channelLabel, displayName, store, useStore } from '../store.ts';
import { formatTimestamp } from '../time.ts';
import { Avatar } from './Avatar.tsx';
import { useResolver } from './Chat.tsx';

export function SearchBox({ channelId }: { channelId: string }) {
  const guildId = useStore((s) => s.channels[channelId]?.guild_id ?? null);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [parsed, setParsed] = useState<ParsedSearch | null>(null);
  const [results, setResults] = useState<SearchResults | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const run = useRef(0);

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [open]);

  const search = async () => {
    const query = parseSearch(text, store.state, guildId);
    if (!query.words && query.chips.length === 0) return;
    const mine = ++run.current;
    setParsed(query);
    setOpen(true);
    setResults(null);
    setError('');
    setStatus('Searching…');
    try {
      const found = await runSearch(guildId ? { guildId } : { channelId }, query.params, (n) => mine === run.current && setStatus(`Indexing this server… (${n} messages so far)`));
      if (mine !== run.current) return;
      setResults(found);
      setStatus('');
    } catch (err) {
      if (mine !== run.current) return;
      setStatus('');
      setError(errorText(err));
    }
  };

  return (
    <div className="search-box" ref={box}>
      <input
        type="search"
        className="search-input"
        placeholder={guildId ? 'Search' : 'Search this conversation'}
        aria-label="Search messages"
        title={`Filters: ${FILTER_KEYS.map((k) => `${k}:`).join(' ')}`}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void search();
          } else if (e.key === 'Escape') setOpen(false);
        }}
      />
      {open && (
        <SearchResultsPopout
          guildId={guildId}
          parsed={parsed}
          results={results}
          status={status}
          error={error}
          onJump={(m) => {
            setOpen(false);
            void jumpToMessage(m.channel_id, m.id);
          }}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}

function SearchResultsPopout(props: {
  guildId: string | null;
  parsed: ParsedSearch | null;
  results: SearchResults | null;
  status: string;
  error: string;
  onJump: (m: { id: string; channel_id: string }) => void;
  onClose: () => void;
}) {
  const { guildId, parsed, results, status, error } = props;
  const names = useStore((s) => s);
  const resolver = useResolver(guildId);
  return (
    <div
      className="pins-popout search-results"
      role="dialog"
      aria-label="Search results"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onClose();
      }}
    >
      <header className="pins-header">
        <h2>{results ? `${results.total} ${results.total === 1 ? 'Result' : 'Results'}` : 'Search'}</h2>
        {parsed && parsed.chips.length > 0 && (
          <ul className="search-chips" aria-label="Filters">
            {parsed.chips.map((c, i) => (
              <li key={i} className={c.ok ? 'search-chip' : 'search-chip unknown'} title={c.ok ? undefined : 'Not found: left out of the search'}>
                {c.key}: {c.value}
              </li>
            ))}
          </ul>
        )}
      </header>
      {status && <p className="muted pad" role="status">{status}</p>}
      {error && <p className="form-error small pad" role="alert">{error}</p>}
      {results && results.messages.length === 0 && <p className="muted pad">No results found.</p>}
      {results &&
        groupByChannel(results.messages).map((group) => (
          <section key={group.channelId} className="search-group" aria-label={`Results in ${channelLabel(names, names.channels[group.channelId])}`}>
            <h3 className="search-group-title">{names.channels[group.channelId]?.guild_id ? '# ' : ''}{channelLabel(names, names.channels[group.channelId])}</h3>
            <ol className="pins-list">
              {group.messages.map((m) => {
                const known = displayName(names, m.author.id, guildId);
                const name = known === 'Unknown user' ? m.author.global_name || m.author.username : known;
                return (
                  <li key={m.id} className="pin-item search-hit" data-message-id={m.id}>
                    <div className="pin-head">
                      <Avatar user={m.author} size={24} guildId={guildId} />
                      <strong className="ellipsis">{name}</strong>
                      <time className="timestamp" dateTime={m.timestamp}>{formatTimestamp(m.timestamp)}</time>
                    </div>
                    <div className="pin-content">
                      <Markdown content={m.content} resolver={resolver} />
                      {!m.content && m.attachments?.length ? <em className="muted">{m.attachments.map((f) => f.filename).join(', ')}</em> : null}
                    </div>
                    <div className="pin-actions">
                      <button type="button" className="button small secondary" aria-label={`Jump to message by ${name}`} onClick={() => props.onJump(m)}>
                        Jump
                      </button>
                    </div>
                  </li>
                );
              })}
            </ol>
          </section>
        ))}
    </div>
  );
}
