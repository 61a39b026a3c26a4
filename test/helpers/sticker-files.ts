/** Sticker files for tests: PNG, APNG (a PNG with an acTL chunk), GIF and Lottie JSON. */
import sharp from 'sharp';

export const stickerPng = (colour = '#3366cc', size = 64) =>
  sharp({ create: { width: size, height: size, channels: 4, background: colour } }).png().toBuffer();

export async function stickerGif(): Promise<Buffer> {
  const frames = await Promise.all(['#ff0000', '#00ff00'].map((c) => stickerPng(c, 32)));
  return sharp(frames, { join: { animated: true } }).gif({ delay: [100, 100], loop: 0 }).toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG with an animation control chunk after its header: what APNG files start with. */
export async function stickerApng(): Promise<Buffer> {
  const png = await stickerPng('#aa22aa');
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const data = Buffer.alloc(8);
  data.writeUInt32BE(1, 0); // frames
  data.writeUInt32BE(0, 4); // plays (0: forever)
  const type = Buffer.from('acTL', 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])), 8 + data.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

export const stickerLottie = () => Buffer.from(JSON.stringify({ v: '5.5.2', fr: 30, ip: 0, op: 60, w: 320, h: 320, nm: 'spin', layers: [] }));
