/** Sound files as src/media/sounds.ts judges them: MP3 and Ogg by their bytes, their length, and refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectSound, soundDataBytes } from '../../src/media/sounds.ts';
import { mp3Of, oggOf } from '../helpers/sounds.ts';

describe('soundboard sound files', () => {
  it('reads an MP3 (with or without an ID3 tag) and its length from its frames', () => {
    const one = inspectSound(mp3Of(1));
    assert.equal(one?.format, 'mp3');
    assert.ok(Math.abs(one!.seconds - 1) < 0.03, String(one?.seconds));
    const tagged = inspectSound(mp3Of(6, { id3: true }));
    assert.equal(tagged?.format, 'mp3');
    assert.ok(tagged!.seconds > 5.9 && tagged!.seconds < 6.1);
  });
  it('reads an Ogg Vorbis stream and its length from the last granule position', () => {
    assert.deepEqual(inspectSound(oggOf(2.5)), { format: 'ogg', seconds: 2.5 });
  });
  it('refuses what is neither', () => {
    assert.equal(inspectSound(Buffer.from('RIFF....WAVEfmt ')), null);
    assert.equal(inspectSound(Buffer.alloc(0)), null);
    const broken = mp3Of(1);
    broken[417] = 0x00; // the second frame's sync word
    assert.equal(inspectSound(broken), null);
    assert.equal(inspectSound(Buffer.from('OggS')), null);
  });
  it('takes data URIs of MP3 and Ogg only', () => {
    assert.deepEqual(soundDataBytes('data:audio/ogg;base64,T2dnUw=='), Buffer.from('OggS'));
    assert.ok(soundDataBytes('data:audio/mpeg;base64,AAAA'));
    assert.equal(soundDataBytes('data:audio/wav;base64,AAAA'), null);
    assert.equal(soundDataBytes('data:image/png;base64,AAAA'), null);
  });
});
