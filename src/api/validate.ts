/**
 * Request validation with zod, turned into Discord's 50035 error tree. Unknown fields are ignored (zod objects
 * strip them), as Discord does.
 */
import { z } from 'zod';
import { formError, type ApiError } from '../protocol/errors.ts';
import { isSnowflake } from '../protocol/snowflake.ts';

function discordCode(issue: z.core.$ZodIssue): { code: string; message: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
      // An integer beyond 2^53 arrives as a bigint (api/json-body.ts); outside snowflake fields it is simply too big.
      if (typeof issue.input === 'bigint' && issue.expected === 'number') {
        return issue.input < 0n
          ? { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${Number.MIN_SAFE_INTEGER}.` }
          : { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${Number.MAX_SAFE_INTEGER}.` };
      }
      return { code: `BASE_TYPE_INVALID`, message: `Must be a valid ${issue.expected}.` };
    case 'too_big':
      // A length with a minimum too is reported as Discord does, "Must be between 1 and 100 in length." (lengthMessage).
      if ((issue.origin === 'string' || issue.origin === 'array') && issue.message.startsWith('Must be between')) return { code: 'BASE_TYPE_BAD_LENGTH', message: issue.message };
      if (issue.origin === 'string') return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${issue.maximum} or fewer in length.` };
      if (issue.origin === 'array') return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${issue.maximum} or fewer in length.` };
      return { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${issue.maximum}.` };
    case 'too_small':
      // The message, with the schema's maximum, was written by lengthMessage while the schema was at hand.
      if (issue.origin === 'string' || issue.origin === 'array') return { code: 'BASE_TYPE_BAD_LENGTH', message: issue.message };
      return { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${issue.minimum}.` };
    case 'invalid_value':
      return { code: 'BASE_TYPE_CHOICES', message: `Value must be one of ${issue.values.map(String).join(', ')}.` };
    case 'custom':
      return { code: typeof issue.params?.discordCode === 'string' ? issue.params.discordCode : 'BASE_TYPE_INVALID', message: issue.message || 'Invalid value.' };
    default:
      return { code: 'BASE_TYPE_INVALID', message: issue.message || 'Invalid value.' };
  }
}

export function zodToApiError(error: z.ZodError): ApiError {
  return formError(error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), ...discordCode(issue) })));
}

/**
 * Discord's text for a length out of a range: "Must be between 2 and 32 in length.", too short or too long alike.
 * Only the issue's own schema knows the other bound (a too_small issue carries just the minimum, a too_big one the
 * maximum), so it is read here, from the raw issue's schema. Undefined (zod's own text) for a length with one bound.
 */
function lengthMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if ((issue.code !== 'too_small' && issue.code !== 'too_big') || (issue.origin !== 'string' && issue.origin !== 'array')) return undefined;
  const schema = (issue as { schema?: z.core.$ZodType }).schema;
  const checks = (schema?._zod.def.checks ?? []).map((c) => c._zod.def as { check: string; maximum?: number; minimum?: number });
  if (issue.code === 'too_big') {
    const min = checks.find((d) => d.check === 'min_length')?.minimum;
    return min === undefined ? undefined : `Must be between ${min} and ${issue.maximum} in length.`;
  }
  const max = checks.find((d) => d.check === 'max_length')?.maximum;
  return max === undefined ? `Must be ${issue.minimum} or more in length.` : `Must be between ${issue.minimum} and ${max} in length.`;
}

/** Parses `input` with `schema` or throws the 50035 ApiError. A missing body counts as `{}`. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  // reportInput: the error code depends on what was sent (missing, a bigint, …), which zod leaves out by default.
  const result = schema.safeParse(input ?? {}, { reportInput: true, error: lengthMessage });
  if (!result.success) throw zodToApiError(result.error);
  return result.data;
}

/**
 * A snowflake as a decimal string. Discord takes any 64-bit id as a string or a JSON integer; integers beyond 2^53
 * arrive as exact bigints (api/json-body.ts) and are stringified like the rest.
 */
export const snowflake = z
  .union([z.string(), z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((v) => String(v))
  .refine(isSnowflake, { error: (issue) => `Value "${String(issue.input)}" is not snowflake.`, params: { discordCode: 'NUMBER_TYPE_COERCE' } });

/** Discord's query-string booleans: True|true|1, False|false|0. */
export const queryBool = z
  .union([z.boolean(), z.enum(['True', 'true', '1', 'False', 'false', '0'])])
  .transform((v) => v === true || v === 'True' || v === 'true' || v === '1');

/** Permission bitfield: a decimal string (or number) → bigint-safe string. */
export const permissionString = z
  .union([z.string().regex(/^\d{1,30}$/), z.number().int().nonnegative(), z.bigint().nonnegative()])
  .transform((v) => String(v));

export { z };
