/** A voice message's parts for tests: bytes that are sniffed as Ogg Opus, and a waveform as Discord's apps send it. */

/** The first Ogg page of an Opus stream (capture pattern, header, one segment, `OpusHead`), then filler. */
export function oggOpusBytes(size = 2048): Buffer {
  const page = Buffer.alloc(28);
  page.write('OggS', 0, 'latin1');
  page[5] = 0x02; // beginning of stream
  page[26] = 1; // one segment…
  page[27] = 19; // …of 19 bytes: the OpusHead packet
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = 1; // one channel
  return Buffer.concat([page, head, Buffer.alloc(Math.max(0, size - 47), 0x55)]);
}

/** `samples` bytes rising and falling, base64: what `attachments[0].waveform` carries. */
export function waveformBase64(samples = 64): string {
  return Buffer.from(Array.from({ length: samples }, (_, i) => Math.round(127 + 120 * Math.sin(i / 4)))).toString('base64');
}
