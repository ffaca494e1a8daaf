// POST /tr/v1/ltv/: payments. One line or `payments: [...]` with shared top-level ids. Each line's
// `payments.id` derives from (oid, order/invoice, line) so a resend replaces the same payment row instead
// of adding one (the whole row: a field the resend lacks is empty in it). Refunds are lines with a
// negative amount and subtract. One `ltv` row per (uid | vid | invoice) and line carries the amount;
// lifetime value = sum over FINAL rows. With `apiKeys.requiredFor` listing `ltv`, a payment needs an API
// key and belongs to the key's org (routes/write-keys.ts).
import Type from 'typebox';
import type { AppDeps } from '../../deps.ts';
import { IngestError } from '../../errors.ts';
import { toFloat } from '../../model/coerce.ts';
import { asUuid, newId, stableId } from '../../model/ids.ts';
import { chTime, parseClientTime } from '../../model/time.ts';
import type { FailureGuard } from '../../plugins/rate-limit/failures.ts';
import { hostOf } from '../../plugins/request-context.ts';
import { fnv1a36 } from '../../privacy/hash.ts';
import type { Tracking } from '../../tracking.ts';
import type { RouteApp, RouteLimit } from '../shared.ts';
import { bindToWriter, writeRouteHooks, writerOf } from '../write-keys.ts';

type Obj = Record<string, unknown>;
const SHARED = [
  'uid',
  'oid',
  'tid',
  'invid',
  'orid',
  'vid',
  'sid',
  'org',
  'owner',
  'updater',
  'currency',
] as const;
const UUIDS = ['oid', 'tid', 'uid', 'vid', 'sid', 'invid', 'orid', 'product_id'] as const;
const TEXT = ['org', 'product', 'pcat', 'man', 'model', 'country', 'rcode', 'region', 'campaign_id'] as const;
const FLOATS = [
  'qty',
  'price',
  'discount',
  'revenue',
  'margin',
  'cost',
  'tax',
  'tax_rate',
  'commission',
  'referral',
  'fees',
  'subtotal',
  'total',
  'payment',
] as const;
const DATES = ['invoiced_at', 'starts', 'ends', 'paid_at'] as const;

const Line = Type.Object({}, { additionalProperties: true, maxProperties: 128 });
export const LtvBody = Type.Object(
  { payments: Type.Optional(Type.Array(Line, { minItems: 1, maxItems: 1000 })) },
  { additionalProperties: true, maxProperties: 256 },
);

function bad(msg: string): never {
  throw new IngestError('INVALID_EVENT', msg);
}

function amountOf(line: Obj, i: number): number {
  const amount = toFloat(line.revenue ?? line.amt ?? line.total);
  if (amount === undefined) bad(`payments[${i}]: revenue (or amt) must be a number`);
  return amount;
}

function currencyOf(v: unknown, i: number): string {
  if (v === undefined) return 'USD';
  if (typeof v !== 'string' || !/^[a-z]{3}$/i.test(v))
    bad(`payments[${i}]: currency must be a 3-letter code`);
  return v.toUpperCase();
}

/** Absent for a payment's typed fields: clients send null or "" for an id or date they do not have. */
const absent = (v: unknown): boolean => v === undefined || v === null || v === '';

/**
 * One typed field of a line into its column. A value that does not fit is refused, naming the field: a
 * payment has no params column to keep it in, and a dropped uid or date would silently misattribute money.
 */
function copyField<T>(
  line: Obj,
  row: Obj,
  i: number,
  k: string,
  read: (v: unknown) => T | undefined,
  what: string,
) {
  if (absent(line[k])) return;
  const value = read(line[k]);
  if (value === undefined) bad(`payments[${i}].${k}: must be ${what}`);
  row[k] = value;
}

const asText = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const asTime = (v: unknown): string | undefined => {
  const t = parseClientTime(v);
  return t === undefined ? undefined : chTime(t);
};
const asInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;

function copyTyped(line: Obj, row: Obj, i: number): void {
  for (const k of UUIDS) copyField(line, row, i, k, asUuid, 'a UUID');
  for (const k of TEXT) copyField(line, row, i, k, asText, 'a string');
  for (const k of FLOATS) if (k !== 'revenue') copyField(line, row, i, k, toFloat, 'a number');
  for (const k of DATES) copyField(line, row, i, k, asTime, 'an ISO 8601 time or epoch milliseconds');
  copyField(line, row, i, 'duration', asInt, 'an integer');
}

function lineId(line: Obj, row: Obj, i: number): string {
  const order =
    asUuid(line.orid) ?? asUuid(line.invid) ?? (typeof line.order === 'string' ? line.order : undefined);
  const lineKey = line.id ?? line.line ?? line.product_id ?? line.product ?? i;
  return (
    asUuid(line.id) ??
    (order === undefined ? newId() : stableId(String(row.oid ?? ''), order, String(lineKey)))
  );
}

/** The payment row; the id is stable for (oid, order, line) so retries replace. */
export function paymentRow(line: Obj, i: number, now: number): Obj {
  const row: Obj = { revenue: amountOf(line, i), currency: currencyOf(line.currency, i) };
  copyTyped(line, row, i);
  // a payment sent without its time was paid when it arrived, as an event's time defaults to its arrival
  row.paid_at ??= chTime(now);
  row.id = lineId(line, row, i);
  row.created_at = chTime(now);
  row.updated_at = chTime(now);
  return row;
}

function ltvRows(p: Obj, hhash: string, now: number): Obj[] {
  const ids: [string, unknown][] = [
    ['uid', p.uid],
    ['vid', p.vid],
    ['orid', p.invid ?? p.orid],
  ];
  return ids
    .filter(([, id]) => typeof id === 'string')
    .map(([idType, id]) => ({
      hhash,
      id,
      id_type: idType,
      payment_id: p.id,
      paid: p.revenue,
      currency: p.currency,
      ...(p.oid === undefined ? {} : { oid: p.oid }),
      ...(p.org === undefined ? {} : { org: p.org }),
      updated_at: chTime(now),
    }));
}

export function ltvRoutes(
  app: RouteApp,
  deps: AppDeps,
  tracking: Tracking,
  limits: { limit: RouteLimit; guard: FailureGuard },
): void {
  const now = deps.now ?? Date.now;
  const hooks = writeRouteHooks('ltv', deps, limits.guard, limits.limit);
  app.post('/tr/v1/ltv/*', { schema: { body: LtvBody }, ...hooks }, async (req, reply) => {
    const body: Obj = req.body;
    const shared: Obj = {};
    for (const k of SHARED) if (body[k] !== undefined) shared[k] = body[k];
    const sent: Obj[] = req.body.payments?.map((l) => ({ ...shared, ...l })) ?? [body];
    const lines = bindToWriter(sent, writerOf(req));
    const t = now();
    const payments = lines.map((l, i) => paymentRow(l, i, t));
    const hhash = fnv1a36(hostOf(req));
    await tracking.append('payments', payments);
    await tracking.append(
      'ltv',
      payments.flatMap((p) => ltvRows(p, hhash, t)),
    );
    return reply.send({ ok: true, ids: payments.map((p) => p.id) });
  });
}
