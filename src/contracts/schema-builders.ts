import { Type, type Static, type TSchema } from 'typebox';

/**
 * The two TypeBox builders every schema of the API uses (one copy: they were written five times).
 * A schema is validator, TypeScript type (`Static<typeof …>`) and OpenAPI document at once.
 */

/** A string among `values`, typed as their union. */
export const Enum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/**
 * `T | null` as OpenAPI 3.0 writes it (`nullable: true`). An `anyOf` with `{type: 'null'}` is not
 * OpenAPI 3.0, and fast-json-stringify runs Ajv on every value of an `anyOf` while serializing: the
 * list answered ~2.7× slower per row. An enum also lists null, as Ajv requires with `nullable`.
 */
export const Nullable = <T extends TSchema>(t: T) => {
  const schema = t as unknown as Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({
    ...schema,
    nullable: true,
    ...(Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {}),
  });
};
