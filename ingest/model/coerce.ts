// Per-kind value coercion for event columns. Each returns undefined when the value does not fit the column;
// the caller then keeps the original value in params (lossless) instead of storing a zero or a guess.
import type { FieldKind } from './fields.ts';
import { asUuid } from './ids.ts';
import { tryParseJson } from './json-text.ts';

const MAX_ENUM = 256;
const MAX_TEXT = 8192;

function toInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^-?\d{1,18}$/.test(v.trim()) ? Number(v.trim()) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/** A bitmask: a non-negative integer. A negative one has every high bit set, which no client means. */
function toBits(v: unknown): number | undefined {
  const n = toInt(v);
  return n !== undefined && n >= 0 ? n : undefined;
}

function toFloat(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** JSON columns hold objects; an array (or anything else) is kept in params instead of refused. */
function toJson(v: unknown): unknown {
  const parsed = typeof v === 'string' ? tryParseJson(v) : v;
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
}

function toEnum(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
  const s = String(v).trim().toLowerCase();
  return s.length <= MAX_ENUM ? s : undefined;
}

function toText(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
  const s = String(v);
  return s.length <= MAX_TEXT ? s : undefined;
}

function toCountry(v: unknown): string | undefined {
  return typeof v === 'string' && /^[a-z]{2}$/i.test(v.trim()) ? v.trim().toUpperCase() : undefined;
}

const COERCE: Record<FieldKind, (v: unknown) => unknown> = {
  uuid: asUuid,
  enum: toEnum,
  text: toText,
  int: toInt,
  bits: toBits,
  float: toFloat,
  json: toJson,
  country: toCountry,
};

export const coerce = (kind: FieldKind, v: unknown): unknown => COERCE[kind](v);
export { toFloat, toInt };
