// The flow control of a WebSocket connection, against a fake socket (named as one: whether the real
// socket's answers reach the client depends on the kernel's buffers, which a test cannot hold still). A
// client that never read its answers made the server read on and keep every answer in memory.
import { describe, expect, it } from 'vitest';
import { frameFlow, HIGH_WATER, LOW_WATER } from './flow.ts';

/** A fake socket: only whether its reads are paused. */
function fakeSocket(): { isPaused: boolean; pauses: number; pause(): void; resume(): void } {
  return {
    isPaused: false,
    pauses: 0,
    pause() {
      this.isPaused = true;
      this.pauses++;
    },
    resume() {
      this.isPaused = false;
    },
  };
}

/** An answer whose write the test completes (the send callback of a client that reads again). */
function heldWrites() {
  const writes: Array<() => void> = [];
  const answer = () => ({ written: new Promise<void>((resolve) => writes.push(resolve)) });
  return { writes, answer };
}

describe('WebSocket flow control', () => {
  it('stops reading while HIGH_WATER answers are not written out, though every frame is stored', async () => {
    const socket = fakeSocket();
    const flow = frameFlow(socket);
    const { writes, answer } = heldWrites();
    let stored = 0;
    for (let i = 0; i < HIGH_WATER; i++)
      flow.push(async () => {
        stored++;
        return answer();
      });
    await flow.handled();
    expect(stored).toBe(HIGH_WATER);
    expect(flow.busy()).toBe(false);
    expect(socket.isPaused).toBe(true);

    // the client reads: once at most LOW_WATER answers wait, the socket reads again
    for (const write of writes.splice(0, HIGH_WATER - LOW_WATER - 1)) write();
    await new Promise((r) => setImmediate(r));
    expect(socket.isPaused).toBe(true);
    writes.shift()?.();
    await expect.poll(() => socket.isPaused).toBe(false);
  });

  it('frames without an answer, or whose socket closed, do not hold the reads', async () => {
    const socket = fakeSocket();
    const flow = frameFlow(socket);
    for (let i = 0; i < HIGH_WATER * 3; i++) flow.push(async () => undefined);
    await flow.handled();
    expect(socket.isPaused).toBe(false);
  });

  it('handles frames one after another, in the order read', async () => {
    const flow = frameFlow(fakeSocket());
    const order: number[] = [];
    for (let i = 0; i < 5; i++)
      flow.push(async () => {
        await new Promise((r) => setTimeout(r, 5 - i));
        order.push(i);
        return undefined;
      });
    await flow.handled();
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
