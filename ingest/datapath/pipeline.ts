// The data path once built (createDataPath builds it): appends are validated, copied into a slab and
// written to the table's spool log, then each table's queue cuts batches that are offered to the consumer
// and delivered to the store; dead-letter erasure and a close within a deadline. The status snapshot is
// status.ts; waiting for what was acknowledged to be stored is settle.ts.
import { join } from 'node:path';
import { type Breaker, Breaker as BreakerSchema } from '../../common/config/datapath.ts';
import { defaultsOf } from '../../common/config/loader.ts';
import { buildCatalog, type Catalog } from '../../schema/index.ts';
import type { Row, Store } from '../../store/index.ts';
import { IngestError, isIngestError } from '../errors.ts';
import { CircuitBreaker } from './batching/breaker.ts';
import { resolveSettings } from './batching/defaults.ts';
import { FlushGate } from './batching/gate.ts';
import { TableQueue } from './batching/table-queue.ts';
import type { Clock } from './clock.ts';
import type { DataPath, DataPathStatus, Spool, SpoolBatch } from './contract.ts';
import { DeadLetterFile } from './deadletter.ts';
import { Deliverer } from './delivery.ts';
import type { Metrics } from './metrics.ts';
import { stopNotice } from './notices.ts';
import type { DataPathConfig, DataPathOptions } from './options.ts';
import { type SettleScope, waitSettled } from './settle.ts';
import { RecordSlabs } from './slabs.ts';
import type { OpenedSpool } from './spool/open.ts';
import { dataPathStatus } from './status.ts';
import { compileValidators, type TableValidator } from './validate.ts';

interface PipelineDeps extends DataPathOptions {
  readonly clock: Clock;
  readonly store: Store;
  readonly spool: OpenedSpool;
  readonly metrics: Metrics;
}

export class Pipeline implements DataPath {
  readonly store: Store;
  readonly #config: DataPathConfig;
  readonly #deps: PipelineDeps;
  readonly #catalog: Catalog = buildCatalog();
  /** What each append's lines are copied into, lent to the spool until its append settles (ADR 0054). */
  readonly #slabs = new RecordSlabs();
  readonly #validators: Map<string, TableValidator>;
  readonly #metrics: Metrics;
  readonly #countAppended: (table: string, rows: number) => void;
  readonly #breaker: CircuitBreaker;
  readonly #deliverer: Deliverer;
  readonly #deadLetters: DeadLetterFile;
  readonly #gate: FlushGate;
  readonly #queues = new Map<string, Promise<TableQueue>>();
  /** The queues already opened, so an append to one waits for nothing but its own write. */
  readonly #openQueues = new Map<string, TableQueue>();
  /** Per table: the deliveries of batches cut from the spool and not yet in the store (settled()). */
  readonly #deliveries = new Map<string, Set<Promise<void>>>();
  readonly #settleScope: SettleScope;
  #draining = false;
  #closed: Promise<void> | undefined;

  constructor(config: DataPathConfig, deps: PipelineDeps) {
    this.store = deps.store;
    this.#config = config;
    this.#deps = deps;
    this.#validators = compileValidators(this.#catalog, (lines) => this.#slabs.copy(lines));
    this.#metrics = deps.metrics;
    this.#countAppended = deps.metrics.appendedRows.by('table');
    const breaker = config.batching.breaker ?? defaultsOf<Breaker>(BreakerSchema);
    this.#breaker = new CircuitBreaker({
      ...breaker,
      clock: deps.clock,
      onChange: (state) => this.#metrics.breakerTransitions.inc({ state }),
    });
    this.#deadLetters = new DeadLetterFile(
      config.spool.deadLetterFile ?? join(config.spool.dir, 'dead-letters.jsonl'),
    );
    this.#deliverer = new Deliverer({
      store: deps.store,
      breaker: this.#breaker,
      clock: deps.clock,
      deadLetters: this.#deadLetters,
      metrics: this.#metrics,
      maxBackoffMs: breaker.maxOpenMs,
      ...(deps.onError === undefined ? {} : { onError: deps.onError }),
    });
    this.#gate = new FlushGate(config.batching.maxConcurrentFlushes);
    this.#settleScope = {
      spool: deps.spool,
      clock: deps.clock,
      catalog: this.#catalog,
      openQueues: this.#openQueues,
      deliveries: this.#deliveries,
      draining: () => this.#draining,
      queue: (table) => this.queue(table),
      onError: deps.onError,
    };
    // Each spooled table's dead letters at 0 from the start: Prometheus' increase() counts from a series'
    // first sample, so a table's first dead letter would appear at 1 and its alert never fire.
    for (const [table, info] of this.#catalog) if (!info.derived) this.#metrics.deadLetters.inc({ table }, 0);
    this.#metrics.bind({
      queues: () => this.status().queues,
      spoolBytes: () => deps.spool.bytes,
      spoolMaxBytes: () => config.spool.maxBytes,
      memoryBytes: () => deps.spool.memoryBytes,
      breakerState: () => this.#breaker.state,
      storeRefused: () => this.#deliverer.refusal,
    });
  }

  get spool(): Spool {
    return this.#deps.spool;
  }

  /**
   * Validates and serialises the rows before it returns; the write that follows never sees them, so a
   * caller that lets go of its rows does not keep them alive while the disk syncs.
   */
  append(table: string, rows: readonly Row[]): Promise<void> {
    let lines: Buffer;
    try {
      if (this.#draining) throw new IngestError('NOT_READY');
      lines = this.#validate(table, rows);
    } catch (err) {
      return Promise.reject(this.#refused(err));
    }
    if (rows.length === 0) {
      this.#slabs.giveBack(lines);
      return Promise.resolve();
    }
    return this.#write(table, lines, rows.length);
  }

  /**
   * Once the table's queue and log are open (every append but the first few), the write is the log's
   * append and one continuation: no async frame of its own, which every single-event request paid for in
   * allocation and a turn of the microtask queue. The lines go back to their slab once the append has
   * settled, either way: the log has written them (or never will) and keeps no reference (TableLog).
   */
  #write(table: string, lines: Buffer, count: number): Promise<void> {
    const queue = this.#openQueues.get(table);
    const log = this.#deps.spool.peek(table);
    if (queue === undefined || log === undefined) return this.#writeOpening(table, lines, count);
    return log.append(lines, count).then(
      () => {
        this.#slabs.giveBack(lines);
        try {
          this.#appended(table, count, queue);
        } catch (err) {
          throw this.#refused(err);
        }
      },
      (err: unknown) => {
        this.#slabs.giveBack(lines);
        throw this.#refused(err);
      },
    );
  }

  async #writeOpening(table: string, lines: Buffer, count: number): Promise<void> {
    try {
      const queue = this.#openQueues.get(table) ?? (await this.queue(table));
      const log = this.#deps.spool.peek(table) ?? (await this.#deps.spool.log(table));
      await log.append(lines, count);
      this.#appended(table, count, queue);
    } catch (err) {
      throw this.#refused(err);
    } finally {
      this.#slabs.giveBack(lines);
    }
  }

  #appended(table: string, count: number, queue: TableQueue): void {
    this.#countAppended(table, count);
    queue.notify(count);
  }

  /** Counts a refused append by its code; a full spool has every table's pending rows sent now. */
  #refused(err: unknown): unknown {
    const overloaded = isIngestError(err, 'OVERLOADED');
    this.#metrics.rejected.inc({ code: isIngestError(err) ? err.code : 'INTERNAL' });
    if (overloaded) this.#relieve();
    return err;
  }

  /**
   * The spool holds rows that wait only for their table's strategy (a time or size trigger): sent now, they
   * leave the spool and appends are taken again, instead of every client being refused until the slowest
   * trigger fires (minutes with a long maxDelayMs). A store that is down leaves them where they are.
   */
  #relieve(): void {
    const now = this.#deps.clock.now();
    for (const queue of this.#openQueues.values()) queue.flushBy(now);
  }

  status(): DataPathStatus {
    return dataPathStatus({
      spool: this.#deps.spool,
      draining: this.#draining,
      breaker: this.#breaker.state,
      storeRefused: this.#deliverer.refusal,
      deadLetters: this.#deadLetters.count,
    });
  }

  eraseDeadLetters(matches: (row: unknown) => boolean): Promise<number> {
    return this.#deadLetters.erase(matches);
  }

  settled(tables?: readonly string[]): Promise<void> {
    return waitSettled(this.#settleScope, tables);
  }

  /** Runs one batch's delivery, known to settled() while it runs. */
  #tracked(table: string, deliver: () => Promise<void>): Promise<void> {
    const running = deliver();
    const deliveries = this.#deliveries.get(table) ?? new Set<Promise<void>>();
    this.#deliveries.set(table, deliveries.add(running));
    const forget = () => deliveries.delete(running);
    running.then(forget, forget);
    return running;
  }

  close(deadlineMs: number): Promise<void> {
    this.#closed ??= this.#close(deadlineMs);
    return this.#closed;
  }

  async #close(deadlineMs: number): Promise<void> {
    this.#draining = true;
    const queues = await Promise.all(this.#queues.values());
    // No grace, no new delivery: a flush started now would be waited for below (an insert in flight is
    // never torn), so it would only run the close past its deadline.
    const drained = deadlineMs > 0 ? Promise.all(queues.map((q) => q.drain())) : Promise.resolve([]);
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => {
      timer = this.#deps.clock.setTimeout(resolve, deadlineMs);
    });
    await Promise.race([drained, deadline]);
    this.#deps.clock.clearTimeout(timer);
    // Whatever is left stays in the spool and is delivered at the next start.
    this.#deliverer.abort();
    await Promise.all(queues.map((q) => q.stop()));
    this.#deps.onNotice?.(stopNotice(this.#deps.spool));
    await this.#deps.spool.close();
    await this.store.close();
  }

  /** The spool opened every table it holds rows of before the pipeline was made: peek finds them. */
  recovered(table: string): Promise<void> {
    return this.#deps.spool.peek(table)?.recovered ?? Promise.resolve();
  }

  queue(table: string): Promise<TableQueue> {
    let queue = this.#queues.get(table);
    if (!queue) {
      queue = this.#createQueue(table);
      this.#queues.set(table, queue);
    }
    return queue;
  }

  async #createQueue(table: string): Promise<TableQueue> {
    const log = await this.#deps.spool.log(table);
    const settings = resolveSettings(table, this.#config.batching.tables?.[table]);
    const queue = new TableQueue({
      log,
      settings,
      clock: this.#deps.clock,
      gate: this.#gate,
      metrics: this.#metrics,
      deliver: (batch) =>
        this.#tracked(table, async () => {
          await this.#offer(batch);
          await this.#deliverer.deliver(batch, settings);
        }),
      onError: this.#deps.onError,
    });
    this.#openQueues.set(table, queue);
    return queue;
  }

  /** The consumer's failure must not hold up the store: it is reported, and the batch goes on. */
  async #offer(batch: SpoolBatch): Promise<void> {
    const consumer = this.#deps.consumer;
    if (consumer === undefined) return;
    const source = batch.token.slice(0, batch.token.length - `.${batch.from}-${batch.to}`.length);
    await consumer.consume({ ...batch, source }).catch((err: unknown) => this.#deps.onError?.(err));
  }

  #validate(table: string, rows: readonly Row[]): Buffer {
    const info = this.#catalog.get(table);
    // Both are bugs of the caller (a route), never of the client: a 500 that names nothing.
    if (!info) throw new IngestError('INTERNAL', `no table ${table} in the schema`);
    if (info.derived) throw new IngestError('INTERNAL', `${table} is filled by a materialized view`);
    return (this.#validators.get(table) as TableValidator)(rows);
  }
}
