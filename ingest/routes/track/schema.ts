// Route schemas for tr / str / img. Bodies are one event object or an array of them (the batch form);
// event objects are open (unknown keys are kept in params), but bounded by the body limit and maxItems.
import Type from 'typebox';

export const EventObject = Type.Object({}, { additionalProperties: true, maxProperties: 512 });

// No body at all is allowed too: the Go tracker's PUT read none and wrote the event from its path pairs.
export const trackBody = (maxItems: number) =>
  Type.Union([EventObject, Type.Array(EventObject, { minItems: 1, maxItems }), Type.Null()]);

export const TrackParams = Type.Object({ '*': Type.Optional(Type.String({ maxLength: 4096 })) });

export const StrReply = Type.Object({ eid: Type.String() });
export const StrBatchReply = Type.Object({ eids: Type.Array(Type.String()) });
