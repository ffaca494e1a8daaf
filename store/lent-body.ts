// An insert's request body that lends its reader the buffers to read into, and takes each back once the
// connection has written it: sending a batch read back from the spool's files then allocates no new
// buffers. Every chunk read used to be a fresh 1 MiB buffer that lived until the socket had taken it,
// long enough under load to be promoted to V8's old generation and freed only by the next full
// collection (~10-25 MiB of the ingest's peak resident size waited there).
//
// When is a buffer the connection's no longer? The body is piped into the HTTP request (that is how the
// client sends a stream); everything this stream has handed to the request and is not in the request's
// `writableLength` (its own queue and its socket's, whose writes still in progress count until they
// complete) has been written. Bytes of chunk framing and headers only make `writableLength` larger, so a
// buffer is taken back later, never sooner. A buffer whose bytes went nowhere this stream can follow
// (copied into a larger piece, or a body consumed other than through `pipe`) is simply never reused.
import { Readable, type Writable } from 'node:stream';
import type { BodyBuffers } from './contract.ts';

/** Buffers kept between inserts, shared by every insert of one store. */
export class BufferShelf {
  readonly size: number;
  readonly #keep: number;
  readonly #free: Buffer[] = [];
  /** Buffers made because the shelf was empty (tests read it to see that buffers were reused). */
  made = 0;

  constructor(size: number, keep: number) {
    this.size = size;
    this.#keep = keep;
  }

  take(): Buffer {
    const free = this.#free.pop();
    if (free) return free;
    this.made++;
    // A buffer of its own (never a slice of Node's shared pool): it is told apart by its ArrayBuffer.
    return Buffer.allocUnsafeSlow(this.size);
  }

  put(buffer: Buffer): void {
    if (this.#free.length < this.#keep) this.#free.push(buffer);
  }
}

interface Lent {
  readonly buffer: Buffer;
  /** Bytes pushed through the last piece of it; -1 while nothing of it has been pushed. */
  end: number;
}

export class LentBody extends Readable implements BodyBuffers {
  readonly #shelf: BufferShelf;
  readonly #pieces: AsyncIterator<Buffer>;
  #lent: Lent[] = [];
  #dest: Writable | undefined;
  #pushed = 0;
  #emitted = 0;
  #reading = false;

  /** `read` is called once, with this body as the buffers to read into. */
  constructor(shelf: BufferShelf, read: (buffers: BodyBuffers) => AsyncIterable<Buffer>) {
    // One piece at a time, never joined or split: a piece is the unit a buffer is taken back by.
    super({ objectMode: true, highWaterMark: 1 });
    this.#shelf = shelf;
    this.#pieces = read(this)[Symbol.asyncIterator]();
  }

  lend(bytes: number): Buffer {
    if (bytes > this.#shelf.size) return Buffer.allocUnsafe(bytes);
    this.#reclaim();
    const buffer = this.#shelf.take();
    this.#lent.push({ buffer, end: -1 });
    return buffer;
  }

  giveBack(buffer: Buffer): void {
    const i = this.#lent.findIndex((l) => l.buffer.buffer === buffer.buffer);
    if (i === -1) return;
    this.#lent.splice(i, 1);
    this.#shelf.put(buffer);
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }): T {
    this.#dest = dest as unknown as Writable;
    const piped = super.pipe(dest, opts);
    // After pipe's own listener: by then the piece has been written to the request.
    this.on('data', (piece: Buffer) => {
      this.#emitted += piece.length;
    });
    return piped;
  }

  /** Once the insert is over: what the connection has written goes back to the shelf, the rest is left. */
  settle(): void {
    this.#reclaim();
    this.#lent = [];
  }

  /** As Readable.from reads an iterator: one loop at a time, pushing until the stream has enough. */
  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    void this.#pull();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const ended = this.#pieces.return?.() ?? Promise.resolve();
    ended.then(
      () => done(err),
      (e: unknown) => done((err ?? e) as Error),
    );
  }

  async #pull(): Promise<void> {
    try {
      for (;;) {
        const next = await this.#pieces.next();
        if (next.done) {
          this.push(null);
          return;
        }
        this.#pushedPiece(next.value);
        if (!this.push(next.value)) {
          // Cleared before returning, synchronously: the stream asks for more only after this.
          this.#reading = false;
          return;
        }
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  #pushedPiece(piece: Buffer): void {
    this.#pushed += piece.length;
    const lent = this.#lent.find((l) => l.buffer.buffer === piece.buffer);
    if (lent) lent.end = this.#pushed;
  }

  /** Back to the shelf: every lent buffer whose last piece the connection has written. */
  #reclaim(): void {
    const pending = this.#dest?.writableLength;
    if (typeof pending !== 'number') return;
    const written = this.#emitted - pending;
    const kept: Lent[] = [];
    for (const l of this.#lent) {
      if (l.end >= 0 && l.end <= written) this.#shelf.put(l.buffer);
      else kept.push(l);
    }
    this.#lent = kept;
  }
}
