/**
 * Gateway transport compression `zlib-stream` in the browser: one zlib inflate context for the whole connection
 * (DecompressionStream('deflate') is RFC 1950 zlib), fed every websocket frame in order. A gateway message
 * ends with the Z_SYNC_FLUSH marker 00 00 ff ff; frames are buffered until it arrives, as Discord documents.
 *
 * The decompressed side is one continuous text stream in which DecompressionStream may cut or join messages
 * at arbitrary points, so payloads are recovered by scanning for complete top-level JSON objects (string- and
 * escape-aware brace matching) rather than by trusting chunk boundaries.
 */
export class ZlibStreamDecoder {
  #writer: WritableStreamDefaultWriter<BufferSource>;
  #pending: Uint8Array<ArrayBuffer>[] = [];
  #pendingBytes = 0;
  #text = '';
  #scanPos = 0;
  #depth = 0;
  #inString = false;
  #escape = false;
  #start = -1;
  #closed = false;

  constructor(
    private readonly onPayload: (json: string) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    const ds = new DecompressionStream('deflate');
    this.#writer = ds.writable.getWriter();
    void this.#pump(ds.readable.pipeThrough(new TextDecoderStream()).getReader());
  }

  static supported(): boolean {
    return typeof DecompressionStream === 'function' && typeof TextDecoderStream === 'function';
  }

  push(frame: ArrayBuffer) {
    if (this.#closed) return;
    const bytes = new Uint8Array(frame);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (bytes.length < 4 || bytes[bytes.length - 4] !== 0 || bytes[bytes.length - 3] !== 0 || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xff) {
      return;
    }
    const chunk = this.#pending.length === 1 ? bytes : concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writer.write(chunk).catch((err) => this.#fail(err));
  }

  close() {
    this.#closed = true;
    this.#writer.abort().catch(() => {});
  }

  async #pump(reader: ReadableStreamDefaultReader<string>) {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#closed) return;
        this.#feed(value);
      }
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown) {
    if (this.#closed) return;
    this.#closed = true;
    this.onError(err);
  }

  #feed(text: string) {
    this.#text += text;
    const s = this.#text;
    let i = this.#scanPos;
    let lastEnd = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === 92 /* \ */) this.#escape = true;
        else if (c === 34 /* " */) this.#inString = false;
        continue;
      }
      if (c === 34) this.#inString = this.#depth > 0;
      else if (c === 123 /* { */ || c === 91 /* [ */) {
        if (this.#depth === 0) this.#start = i;
        this.#depth++;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.#depth--;
        if (this.#depth === 0 && this.#start >= 0) {
          this.onPayload(s.slice(this.#start, i + 1));
          this.#start = -1;
          lastEnd = i + 1;
        }
      }
    }
    // Keep only the unfinished tail; positions are relative to it.
    if (this.#depth === 0) {
      this.#text = '';
      this.#scanPos = 0;
    } else {
      const keepFrom = this.#start >= 0 ? this.#start : lastEnd;
      this.#text = s.slice(keepFrom);
      this.#start = this.#start >= 0 ? 0 : -1;
      this.#scanPos = s.length - keepFrom;
    }
  }
}

function concat(parts: Uint8Array<ArrayBuffer>[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
