/** A voice message's file: its waveform, its length and a player (web/src/voice.ts). */
import type { Attachment } from '../types.ts';
import { formatVoiceDuration, waveformBars } from '../voice.ts';

const BARS = 48;

export function VoiceMessage({ a, src }: { a: Attachment; src: string }) {
  const length = formatVoiceDuration(a.duration_secs ?? 0);
  return (
    <div className="voice-message" role="group" aria-label={`Voice message, ${length}`}>
      <div className="voice-waveform" aria-hidden="true">
        {waveformBars(a.waveform ?? '', BARS).map((v, i) => (
          <span key={i} style={{ height: `${Math.max(10, Math.round(v * 100))}%` }} />
        ))}
      </div>
      <span className="voice-duration">{length}</span>
      <audio src={src} controls preload="none" aria-label="Play voice message" />
    </div>
  );
}
