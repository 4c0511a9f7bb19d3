import { Type } from 'typebox';

/**
 * Building blocks of the config schema. Keys follow the seed's Helm values where the seed names them.
 * A Duration accepts a number of seconds or a string with a unit (`500ms`, `15s`, `2m`, `1h`); load.ts
 * normalises it to milliseconds.
 */
export const Duration = (def: string, description: string) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' })], {
    default: def,
    description,
  });

/** A closed object section whose defaults apply when it is absent. */
export const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, default: {}, ...(description ? { description } : {}) });
