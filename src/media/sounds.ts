/**
 * Soundboard sound files: where they live in the blob store (`soundboard-sounds/{sound_id}`, served by the cdn role
 * at Discord's `/soundboard-sounds/{id}`), and what an uploaded file is, judged from its bytes: an MP3 (MPEG audio
 * layer III frames, after an optional ID3v2 tag) or an Ogg stream (Vorbis or Opus), with its length in seconds read
 * from the frames (MP3: frames × samples per frame / sample rate) or the last page's granule position (Ogg).
 * Discord takes at most 512 KiB and 5.2 seconds.
 */

export const SOUND_MAX_BYTES = 512 * 1024;
export const SOUND_MAX_SECONDS = 5.2;

export function soundBlobKey(soundId: string): string {
  return `soundboard-sounds/${soundId}`;
}

export type SoundFormat = 'mp3' | 'ogg';

export function soundContentType(format: SoundFormat): string {
  return format === 'mp3' ? 'audio/mpeg' : 'audio/ogg';
}

const MP3_BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** One layer III frame header at `at`: its length in bytes and its samples and rate, or null. */
function mp3Frame(b: Buffer, at: number): { length: number; samples: number; rate: number } | null {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return null;
  const version = (b[at + 1]! >> 3) & 3; // 3: MPEG 1, 2: MPEG 2, 0: MPEG 2.5
  const layer = (b[at + 1]! >> 1) & 3; // 1: layer III
  const bitrateIndex = b[at + 2]! >> 4;
  const rateIndex = (b[at + 2]! >> 2) & 3;
  const padding = (b[at + 2]! >> 1) & 1;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const bitrate = (version === 3 ? MP3_BITRATES_V1 : MP3_BITRATES_V2)[bitrateIndex]! * 1000;
  const rate = MP3_RATES[version]![rateIndex]!;
  const samples = version === 3 ? 1152 : 576;
  return { length: Math.floor((samples / 8) * bitrate / rate) + padding, samples, rate };
}

/** An MP3's length in seconds, or null when the bytes are not layer III frames (an ID3v2 tag first, an ID3v1 tag last allowed). */
function mp3Seconds(b: Buffer): number | null {
  let at = 0;
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'ID3') {
    const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
    at = 10 + size + ((b[5]! & 0x10) ? 10 : 0);
  }
  let seconds = 0;
  let frames = 0;
  while (at < b.length) {
    if (b.length - at === 128 && b.toString('latin1', at, at + 3) === 'TAG') break;
    const frame = mp3Frame(b, at);
    if (!frame) return null;
    if (at + frame.length > b.length) break; // a last frame cut short still counts as what it is not: left out
    seconds += frame.samples / frame.rate;
    frames++;
    at += frame.length;
  }
  return frames > 0 ? seconds : null;
}

/** An Ogg Vorbis or Opus stream's length in seconds, or null when the bytes are not one. */
function oggSeconds(b: Buffer): number | null {
  if (b.length < 28 || b.toString('latin1', 0, 4) !== 'OggS') return null;
  // The first page holds the identification header: its packet starts after the segment table.
  const segments = b[26]!;
  const packet = 27 + segments;
  if (packet + 19 > b.length) return null;
  let rate: number;
  let preSkip = 0;
  if (b.toString('latin1', packet, packet + 8) === 'OpusHead') {
    rate = 48000; // Opus granule positions count 48 kHz samples whatever the input rate
    preSkip = b.readUInt16LE(packet + 10);
  } else if (b[packet] === 1 && b.toString('latin1', packet + 1, packet + 7) === 'vorbis') {
    rate = b.readUInt32LE(packet + 12);
  } else return null;
  if (!rate) return null;
  // The last page's granule position is the stream's length in samples.
  let granule = -1n;
  let at = 0;
  while (at + 27 <= b.length && b.toString('latin1', at, at + 4) === 'OggS') {
    const n = b[at + 26]!;
    if (at + 27 + n > b.length) break;
    let body = 0;
    for (let i = 0; i < n; i++) body += b[at + 27 + i]!;
    const g = b.readBigInt64LE(at + 6);
    if (g >= 0n) granule = g;
    at += 27 + n + body;
  }
  if (granule < 0n) return null;
  return Math.max(0, Number(granule) - preSkip) / rate;
}

/** The file's format and length, or null when it is neither an MP3 nor an Ogg Vorbis / Opus stream. */
export function inspectSound(bytes: Buffer): { format: SoundFormat; seconds: number } | null {
  const ogg = oggSeconds(bytes);
  if (ogg !== null) return { format: 'ogg', seconds: ogg };
  const mp3 = mp3Seconds(bytes);
  if (mp3 !== null) return { format: 'mp3', seconds: mp3 };
  return null;
}

/** The data URI's bytes when it is `data:audio/mpeg|mp3|ogg;base64,…`; null otherwise. */
export function soundDataBytes(uri: string): Buffer | null {
  const m = /^data:audio\/(mpeg|mp3|ogg);base64,([A-Za-z0-9+/]*={0,2})$/.exec(uri);
  return m ? Buffer.from(m[2]!, 'base64') : null;
}
