/**
 * Sound files for tests, built byte by byte (no encoder on the machine): an MP3 of silent MPEG-1 layer III frames
 * (128 kbit/s, 44.1 kHz: 417 bytes and 1,152 samples each) and an Ogg Vorbis stream whose last page's granule
 * position gives its length. Both are what src/media/sounds.ts reads; no decoder is asked to play them.
 */

/** An MP3 of about `seconds` (whole frames), with an ID3v2 tag in front when `id3`. */
export function mp3Of(seconds: number, opts: { id3?: boolean } = {}): Buffer {
  const frames = Math.ceil((seconds * 44100) / 1152);
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x00]);
  const tag = opts.id3 ? Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x0a', 'latin1'), Buffer.alloc(10)]) : Buffer.alloc(0);
  return Buffer.concat([tag, ...Array.from({ length: frames }, () => frame)]);
}

function oggPage(granule: bigint, seq: number, body: Buffer, headerType: number): Buffer {
  const head = Buffer.alloc(27);
  head.write('OggS', 0, 'latin1');
  head[4] = 0;
  head[5] = headerType;
  head.writeBigInt64LE(granule, 6);
  head.writeUInt32LE(0x4163636f, 14); // serial
  head.writeUInt32LE(seq, 18);
  head.writeUInt32LE(0, 22); // CRC, which the reader does not check
  const lacing: number[] = [];
  let left = body.length;
  while (left >= 255) {
    lacing.push(255);
    left -= 255;
  }
  lacing.push(left);
  head[26] = lacing.length;
  return Buffer.concat([head, Buffer.from(lacing), body]);
}

/** An Ogg Vorbis stream of `seconds` at 44.1 kHz. */
export function oggOf(seconds: number): Buffer {
  const id = Buffer.alloc(30);
  id[0] = 1;
  id.write('vorbis', 1, 'latin1');
  id.writeUInt32LE(0, 7); // version
  id[11] = 1; // channels
  id.writeUInt32LE(44100, 12);
  id[28] = 0xb8; // block sizes
  id[29] = 1; // framing
  return Buffer.concat([oggPage(0n, 0, id, 2), oggPage(BigInt(Math.round(seconds * 44100)), 1, Buffer.alloc(64), 4)]);
}

export const dataUri = (bytes: Buffer, type = 'audio/mpeg') => `data:${type};base64,${bytes.toString('base64')}`;
