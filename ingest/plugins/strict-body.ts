// The validator of JSON bodies whose fields have types of their own (an erase request, a consent, a short
// link). Fastify's Ajv coerces values to the schema's type and silently removes the keys a closed object
// does not list: that suits query strings and path parameters, where every value arrives as text, but in a
// JSON body it changes what the caller asked. An erase request's misspelt "emial" was removed and the rest
// of the request answered 202, leaving the person's email; `"email": true` erased the hash of "true"; a
// consent of `true` or `[7]` was recorded as cflags 1 or 7. Here a body is checked as it was sent: a value
// of another type, or a key the schema does not list, is a 400 that names it (plugins/errors.ts formats
// TypeBox's errors as it formats Ajv's: `body.emial: unknown key`).
import type { FastifySchemaCompiler } from 'fastify';
import type { FastifySchemaValidationError, FastifyValidationResult } from 'fastify/types/schema.js';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The schema an error's `schemaPath` (`#/properties/urlto`) points at, as Ajv's `verbose` errors carry it
 * (`parentSchema`): a refusal names what the schema expects from it, as it does for the other routes.
 */
function schemaAt(schema: unknown, schemaPath: string): unknown {
  const keys = schemaPath
    .replace(/^#\/?/, '')
    .split('/')
    .filter((k) => k !== '');
  return keys.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
    schema,
  );
}

/** A route's `validatorCompiler`: its schemas checked without coercion or removal. */
export const strictValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const compiled = Compile(schema);
  const validate: FastifyValidationResult = (data: unknown) => {
    if (compiled.Check(data)) return true;
    // TypeBox's errors have Ajv's shape (keyword, instancePath, schemaPath, params, message)
    validate.errors = [...compiled.Errors(data)].map((e) => ({
      ...e,
      parentSchema: schemaAt(schema, e.schemaPath),
    })) as FastifySchemaValidationError[];
    return false;
  };
  return validate;
};
