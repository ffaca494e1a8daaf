// Route schemas for tr / str / img. Bodies are one event object or an array of them (the batch form);
// event objects are open (unknown keys are kept in params), but bounded by the body limit and maxItems.
import Type from 'typebox';
import { schemaErrorFormatter } from '../../plugins/errors.ts';

/** Keys an event object may have. */
const MAX_EVENT_KEYS = 512;

export const EventObject = Type.Object({}, { additionalProperties: true, maxProperties: MAX_EVENT_KEYS });

// No body at all is allowed too: the Go tracker's PUT read none and wrote the event from its path pairs.
export const trackBody = (maxItems: number) =>
  Type.Union([EventObject, Type.Array(EventObject, { minItems: 1, maxItems }), Type.Null()]);

export const TrackParams = Type.Object({ '*': Type.Optional(Type.String({ maxLength: 4096 })) });

export const StrReply = Type.Object({ eid: Type.String() });
export const StrBatchReply = Type.Object({ eids: Type.Array(Type.String()) });

/** The part of a schema validation error the body's message is made from (Ajv's error objects). */
interface BodyError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
}

/**
 * One sentence for a body that fails the union: Ajv lists every branch's failure ("body must be object,
 * body must NOT have fewer than 1 items, body must be null, body must match a schema in anyOf"), which
 * tells a caller nothing about what to send. A limit hit is named; anything else describes the forms.
 */
export function trackBodyMessage(errors: readonly BodyError[], maxItems: number): string {
  const keywords = new Set(errors.map((e) => e.keyword));
  if (keywords.has('maxProperties')) return `body: an event has more than ${MAX_EVENT_KEYS} keys`;
  if (keywords.has('maxItems')) return `body: a batch holds at most ${maxItems} events`;
  if (keywords.has('minItems')) return 'body: a batch holds at least one event (the array is empty)';
  // Which element failed is not told: Ajv coerces a lone value into an array before that branch
  // fails, so `"x"` and `["x"]` fail alike.
  return `body: must be one event (a JSON object), a JSON array of 1 to ${maxItems} events, or empty`;
}

/** Fastify's schemaErrorFormatter for the tracking routes: the body's union in one sentence. */
export function trackSchemaErrorFormatter(maxItems: number) {
  return (errors: readonly BodyError[], dataVar: string): Error =>
    dataVar === 'body'
      ? new Error(trackBodyMessage(errors, maxItems))
      : schemaErrorFormatter(errors, dataVar);
}
