// Flow control of one WebSocket connection: frames are handled one after another, in order, and the
// socket stops reading while too many frames are unfinished. A frame is finished once its answer has been
// written out to the client (the send's callback), not once it is stored: a client that sends and never
// reads its answers made the server read on and queue every answer in memory (one socket sending 1-byte
// frames that are not JSON, each answered with ~70 bytes, grew the ingest by hundreds of MiB). Now such a
// client finds its own frames pushed back by TCP once HIGH_WATER answers wait for it.

/** Frames read and not finished at which the socket stops reading. */
export const HIGH_WATER = 64;
/** Frames unfinished at which a stopped socket reads again. */
export const LOW_WATER = 16;

/** A frame's answer being written out (wrapped: a promise resolving to a promise would wait for it). */
export type Answered = { readonly written: Promise<void> } | undefined;

/** The part of a WebSocket the flow control uses. */
export interface FlowSocket {
  readonly isPaused: boolean;
  pause(): void;
  resume(): void;
}

export interface Flow {
  /**
   * Queues a frame behind the ones before it. `handle` stores and answers it and resolves with its
   * answer's write (`undefined`: no answer, or none that can still be written); it never rejects (a
   * refused frame is answered, not thrown).
   */
  push(handle: () => Promise<Answered>): void;
  /** Resolves once every frame pushed so far has been handled (stored and answered, or refused). */
  handled(): Promise<void>;
  /** Frames pushed and not yet handled. */
  busy(): boolean;
}

export function frameFlow(socket: FlowSocket): Flow {
  let chain = Promise.resolve();
  let unhandled = 0;
  let unfinished = 0;
  const finish = () => {
    if (--unfinished <= LOW_WATER && socket.isPaused) socket.resume();
  };
  return {
    push(handle) {
      unhandled++;
      if (++unfinished >= HIGH_WATER && !socket.isPaused) socket.pause();
      chain = chain.then(async () => {
        let answered: Answered;
        try {
          answered = await handle();
        } finally {
          unhandled--;
          // an answer that never reaches the socket (it closed) finishes the frame all the same
          if (answered === undefined) finish();
          else void answered.written.then(finish, finish);
        }
      });
    },
    handled: () => chain,
    busy: () => unhandled > 0,
  };
}
