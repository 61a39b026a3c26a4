/** What an upload is (src/media/sniff.ts, dimensions.ts) and what it is called (filenames.ts), from bytes alone. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { mediaDimensions } from '../../src/media/dimensions.ts';
import { sanitizeFilename } from '../../src/media/filenames.ts';
import { DIMENSIONS_HEAD_BYTES, sniffContentType, sniffUpload } from '../../src/media/sniff.ts';

async function* chunks(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('content type sniffing', () => {
  it('names images by their magic numbers and text by its bytes', async () => {
    const png = await sharp({ create: { width: 3, height: 2, channels: 4, background: '#fff' } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#fff' } }).jpeg().toBuffer();
    assert.equal(await sniffContentType(png), 'image/png');
    assert.equal(await sniffContentType(jpeg), 'image/jpeg');
    assert.equal(await sniffContentType(Buffer.from('hello\r\n\tworld — ✓\n')), 'text/plain; charset=utf-8');
    assert.equal(await sniffContentType(Buffer.from('\ufeffwith a BOM')), 'text/plain; charset=utf-8');
    assert.equal(await sniffContentType(Buffer.from('nul\u0000inside')), 'application/octet-stream');
    assert.equal(await sniffContentType(Buffer.from([0xc3, 0x28, 0x41])), 'application/octet-stream', 'invalid UTF-8');
    assert.equal(await sniffContentType(Buffer.alloc(0)), 'application/octet-stream');
    // A multi-byte character cut by the end of the sniffed head is still text.
    assert.equal(await sniffContentType(Buffer.from('abc€').subarray(0, 5)), 'text/plain; charset=utf-8');
  });

  it('names what a browser would run, so it is served as a download', async () => {
    assert.equal(await sniffContentType(Buffer.from('  <!DOCTYPE html><p>x')), 'text/html; charset=utf-8');
    assert.equal(await sniffContentType(Buffer.from('<script>alert(1)</script>')), 'text/html; charset=utf-8');
    assert.equal(await sniffContentType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), 'image/svg+xml');
    assert.equal(await sniffContentType(Buffer.from('<?xml version="1.0"?>\n<svg onload="x()"></svg>')), 'image/svg+xml');
    assert.equal(await sniffContentType(Buffer.from('<?xml version="1.0"?><feed/>')), 'text/xml; charset=utf-8');
    assert.equal(await sniffContentType(Buffer.from('<br/> is not a tag name followed by space or >')), 'text/plain; charset=utf-8');
  });

  it('streams: replays the head, keeps only a bounded head of images, reads dimensions after', async () => {
    const png = await sharp({ create: { width: 321, height: 123, channels: 3, background: '#08f' } }).png({ compressionLevel: 0 }).toBuffer();
    const sniffed = await sniffUpload(chunks(png, 777));
    assert.equal(sniffed.contentType, 'image/png');
    assert.ok((await drain(sniffed.source)).equals(png));
    assert.deepEqual(await sniffed.dimensions(50_000_000), { width: 321, height: 123 });
    assert.equal(await sniffed.dimensions(1000), null, 'over the pixel bound: no dimensions');

    const big = Buffer.concat([Buffer.from('text '), Buffer.alloc(DIMENSIONS_HEAD_BYTES * 2, 'a')]);
    const text = await sniffUpload(chunks(big, 64 * 1024));
    assert.equal(text.contentType, 'text/plain; charset=utf-8');
    assert.equal((await drain(text.source)).length, big.length);
    assert.equal(await text.dimensions(1e9), null);
  });

  it('stops reading its stream when the reader stops', async () => {
    let read = 0;
    const endless = (async function* () {
      try {
        for (;;) {
          read++;
          yield randomBytes(1024);
        }
      } finally {
        read = -read;
      }
    })();
    const sniffed = await sniffUpload(endless);
    for await (const _ of sniffed.source) if (read > 20) break;
    assert.ok(read < 0, 'the source was closed');
  });
});

describe('dimensions from headers', () => {
  it('reads PNG, GIF, WebP, JPEG (past an EXIF block) and a truncated file', async () => {
    const make = (format: 'gif' | 'webp' | 'jpeg' | 'png') => sharp({ create: { width: 17, height: 9, channels: 3, background: '#123' } })[format]().toBuffer();
    for (const [format, type] of [['gif', 'image/gif'], ['webp', 'image/webp'], ['jpeg', 'image/jpeg'], ['png', 'image/png']] as const) {
      assert.deepEqual(await mediaDimensions(await make(format), type, 1e9), { width: 17, height: 9 }, format);
    }
    const withExif = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#123' } })
      .withExif({ IFD0: { ImageDescription: 'x'.repeat(20_000) } })
      .jpeg()
      .toBuffer();
    assert.deepEqual(await mediaDimensions(withExif.subarray(0, 30_000), 'image/jpeg', 1e9), { width: 64, height: 48 });
    assert.equal(await mediaDimensions(Buffer.from([0xff, 0xd8, 0xff]), 'image/jpeg', 1e9), null);
    assert.equal(await mediaDimensions(randomBytes(100), 'image/png', 1e9), null);
    assert.equal(await mediaDimensions(Buffer.from('<svg/>'), 'image/svg+xml', 1e9), null);
  });

  it('reads an MP4 track header when the moov box is at hand', async () => {
    const box = (type: string, ...payload: Buffer[]) => {
      const body = Buffer.concat(payload);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(8 + body.length);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, body]);
    };
    const tkhd = (w: number, h: number) => {
      const p = Buffer.alloc(84);
      p.writeUInt32BE(w << 16, 76);
      p.writeUInt32BE(h << 16, 80);
      return box('tkhd', p);
    };
    const mp4 = Buffer.concat([
      box('ftyp', Buffer.from('isom\0\0\0\0isom')),
      box('moov', box('mvhd', Buffer.alloc(100)), box('trak', tkhd(0, 0)), box('trak', tkhd(1280, 720))),
      box('mdat', Buffer.alloc(64)),
    ]);
    assert.deepEqual(await mediaDimensions(mp4, 'video/mp4', 1e9), { width: 1280, height: 720 });
    assert.equal(await mediaDimensions(mp4.subarray(0, 40), 'video/mp4', 1e9), null);
  });
});

describe('filenames', () => {
  it('cleans names as Discord does', () => {
    const cases: Array<[string, string]> = [
      ['my file.png', 'my_file.png'],
      ['../../etc/passwd', 'passwd'],
      ['C:\\Users\\me\\photo.JPG', 'photo.JPG'],
      ['café crème.txt', 'cafe_creme.txt'],
      ['日本語.png', 'unknown.png'],
      ['SPOILER_cat (1).gif', 'SPOILER_cat_1.gif'],
      ['SPOILER_日本.png', 'SPOILER_unknown.png'],
      ['.htaccess', 'htaccess'],
      ['', 'unknown'],
      ['a\u0000b\nc.txt', 'abc.txt'],
      ['x.tar.gz', 'x.tar.gz'],
      ['name?.php#frag', 'name.phpfrag'],
    ];
    for (const [input, expected] of cases) assert.equal(sanitizeFilename(input), expected, JSON.stringify(input));
    const long = sanitizeFilename(`${'a'.repeat(400)}.jpeg`);
    assert.equal(long.length, 255);
    assert.ok(long.endsWith('.jpeg'));
  });
});
