// Awaiting conditions instead of sleeping: poll a probe until it passes or the deadline expires.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Named in the timeout error so a failing start says what it waited for. */
  readonly what: string;
  /** Checked between probes: a process that died will never become ready. */
  readonly abortIf?: () => string | undefined;
}

/** Resolves with the first truthy probe result; a throwing probe counts as "not yet". */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw new Error(`waiting for ${opts.what}: ${aborted}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs ?? 60_000} ms waiting for ${opts.what}${cause}`);
    }
    await delay(opts.intervalMs ?? 100);
  }
}
