// Test double of a Transport (transport.ts): records every batch and beacon, and answers sends from a
// function the test gives, so delivery logic (retries, splitting, beacons) is tested without a network.
// The real HTTP and WebSocket transports run against the real ingest in transport.int.test.ts.
import type { Ev } from '../src/queue.ts';
import type { Result, Transport } from '../src/transport.ts';

export interface Scripted extends Transport {
  readonly sent: Ev[][];
  readonly beacons: Ev[][];
  beaconAccepts: boolean;
}

export function scriptedTransport(answer: (evs: readonly Ev[], attempt: number) => Result): Scripted {
  const t: Scripted = {
    sent: [],
    beacons: [],
    beaconAccepts: true,
    send: async (evs) => {
      t.sent.push([...evs]);
      return answer(evs, t.sent.length);
    },
    beacon(evs) {
      t.beacons.push([...evs]);
      return t.beaconAccepts;
    },
    close() {},
  };
  return t;
}
