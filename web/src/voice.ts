/**
 * Voice messages (IS_VOICE_MESSAGE): an audio file whose attachment carries `duration_secs` and a sampled
 * `waveform` (base64 bytes, 0–255 each). Discord's desktop client plays them back with the waveform drawn beside
 * the length; so does this one (components/VoiceMessage.tsx).
 */
import type { Attachment } from './types.ts';

/** A file drawn as a voice message: audio with both a length and a waveform. */
export const isVoiceFile = (a: Attachment) =>
  typeof a.duration_secs === 'number' && typeof a.waveform === 'string' && (a.content_type ?? '').startsWith('audio/');

/** m:ss, as Discord shows a voice message's length. */
export function formatVoiceDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** The waveform as `bars` heights from 0 to 1 (each the mean of its share of samples); none for a bad waveform. */
export function waveformBars(waveform: string, bars: number): number[] {
  let samples: Uint8Array;
  try {
    samples = Uint8Array.from(atob(waveform), (c) => c.charCodeAt(0));
  } catch {
    return [];
  }
  if (!samples.length) return [];
  const n = Math.min(bars, samples.length);
  return Array.from({ length: n }, (_, i) => {
    const from = Math.floor((i * samples.length) / n);
    const to = Math.max(from + 1, Math.floor(((i + 1) * samples.length) / n));
    let sum = 0;
    for (let k = from; k < to; k++) sum += samples[k]!;
    return sum / (to - from) / 255;
  });
}
