// Parsing JSON text from clients with a bound on nesting. JSON.parse itself copes with deep input, but
// everything after it (schema validation, normalisation, serialisation, the store) walks the value
// recursively: a 30 KB body nested 5,000 levels deep overflowed the call stack and answered 500. The
// depth is measured on the text, before anything is built, so an over-deep body costs one linear scan.
import { MAX_JSON_DEPTH } from '../datapath/index.ts';

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of brackets outside strings (well-formedness is JSON.parse's job). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) max = Math.max(max, ++depth);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return max;
}

export class JsonTextError extends Error {
  readonly reason: 'syntax' | 'depth';
  constructor(reason: 'syntax' | 'depth', message: string) {
    super(message);
    this.name = 'JsonTextError';
    this.reason = reason;
  }
}

export const TOO_DEEP = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

/** JSON.parse behind the depth bound; throws JsonTextError (syntax or depth). */
export function parseJsonText(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new JsonTextError('depth', TOO_DEEP);
  try {
    return JSON.parse(text);
  } catch {
    throw new JsonTextError('syntax', 'not valid JSON');
  }
}

/** The parsed value, or undefined for text that is not JSON or too deep (optional inputs). */
export function tryParseJson(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch {
    return undefined;
  }
}
