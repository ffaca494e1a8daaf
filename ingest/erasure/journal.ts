// The erasure journal: what an accepted erase request needs to be finished (its id, its target, when it
// was asked, and once read, before its deletes, the person's linked ids and the IPs of their events),
// kept durably from before the request is answered until it is finished, so a request the
// process could not finish (a stop, a crash) is resumed. Two homes, one contract, chosen by the spool:
//   - the disk spool (one process, `make run`): a file per request under server.stateDir (file-journal.ts);
//   - the JetStream spool (a TrackerCluster, whose pods' state directories go with the pods): a key per
//     request in a KV bucket next to the spool's stream (kv-journal.ts), which every replica sharing the
//     stream reads, so any of them resumes a request another accepted, and which outlives the pods.
// Never in the store: a row holding the person's ids would be deleted by the very erasure it describes,
// and would be replicated and backed up with the data.
import { join } from 'node:path';
import type { Spool } from '../../common/config/datapath.ts';
import type { EraseJournal } from './contract.ts';
import { openFileJournal } from './file-journal.ts';

/** Under server.stateDir: the file journal's directory. */
export const ERASURE_JOURNAL_DIR = 'erasures';

/**
 * The journal for this configuration: on the JetStream spool a KV bucket every instance sharing the
 * stream reads (the NATS client is loaded only then), else files under `stateDir`.
 */
export async function openEraseJournal(config: {
  readonly stateDir: string;
  readonly spool: Spool;
}): Promise<EraseJournal> {
  const { spool } = config;
  if (spool.kind === 'nats' && spool.nats !== undefined) {
    const { openKvJournal } = await import('./kv-journal.ts');
    return openKvJournal(spool.nats);
  }
  return openFileJournal(join(config.stateDir, ERASURE_JOURNAL_DIR));
}
