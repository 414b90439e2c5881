import { createHash } from 'node:crypto';
import type { TemplateValue } from './dimensions.js';

/** What `{name}` placeholders read: nested objects by dots (`{user.email}`). */
export type TemplateContext = Readonly<Record<string, unknown>>;

const WHOLE = /^\{([\w.]+)(?:\|(string|number))?\}$/;
const EMBEDDED = /\{([\w.]+)\}/g;

function lookup(context: TemplateContext, path: string): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * Expands a preset template. A string that is exactly one placeholder takes the variable's own type (`'{now}'`
 * → a number), or the one its suffix names (`'{nowMs|string}'`); placeholders inside a longer string are
 * interpolated. A member whose whole-placeholder value is undefined is left out.
 *
 * @example
 * expand({ created_at: '{now}', id: 'https://x/id/{user.id}' }, { now: 1, user: { id: 'u' } }) // { created_at: 1, id: 'https://x/id/u' }
 */
export function expand(template: TemplateValue, context: TemplateContext): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole !== null) {
      const value = lookup(context, whole[1] as string);
      if (whole[2] === 'string') return value === undefined ? undefined : String(value);
      if (whole[2] === 'number') return value === undefined ? undefined : Number(value);
      return value;
    }
    return template.replace(EMBEDDED, (_match, path: string) => {
      const value = lookup(context, path);
      return value === undefined || value === null ? '' : String(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => expand(item as TemplateValue, context)).filter((item) => item !== undefined);
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) {
      const expanded = expand(value as TemplateValue, context);
      if (expanded !== undefined) out[key] = expanded;
    }
    return out;
  }
  return template;
}

/** A stable positive integer for a user id (providers with numeric ids: GitHub, HubSpot…). */
export function numericId(id: string): number {
  return Number.parseInt(createHash('sha256').update(id).digest('hex').slice(0, 8), 16) % 100_000_000;
}

/** The `user` template variable of a mock user: its claims, `id`, `number`, and `name`/`email` defaults. */
export function userContext(user: { id: string; claims: Record<string, unknown> } | undefined): Record<string, unknown> {
  if (user === undefined) return {};
  return {
    name: user.id,
    email: `${user.id}@example.com`,
    ...user.claims,
    id: user.id,
    number: numericId(user.id),
  };
}
