import { randomUUID } from 'node:crypto';
import type { ErrorCondition, ProviderShapeQuirks, TemplateValue } from './dimensions.js';
import { expand } from './template.js';

const DEFAULT_BODY: TemplateValue = { error: '{error}', error_description: '{description}' };

/** Which condition an engine error stands for, from the grant and the error code. */
export function errorCondition(grantType: string | undefined, error: string): ErrorCondition {
  if (error === 'invalid_client') return 'badClient';
  if (error === 'invalid_grant') return grantType === 'refresh_token' ? 'badRefresh' : 'badCode';
  if (error === 'invalid_request') return 'badRequest';
  return 'other';
}

/**
 * A token endpoint error in the provider's style (`quirks.errorStyle`): the condition's own status, code and
 * description when the style names them, its body template, its headers. Without a style: the RFC 6749 §5.2 body
 * with the engine's status.
 */
export function styleError(
  quirks: ProviderShapeQuirks,
  input: { condition: ErrorCondition; status: number; error: string; description: string },
): { status: number; headers: Record<string, string>; body: unknown } {
  const style = quirks.errorStyle ?? {};
  const answer = style.conditions?.[input.condition] ?? {};
  const now = new Date();
  const context = {
    error: answer.error ?? input.error,
    description: answer.description ?? input.description,
    code: answer.code,
    uuid: randomUUID(),
    timestamp: now
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z'),
    now: Math.floor(now.getTime() / 1000),
  };
  return {
    status: style.status ?? answer.status ?? input.status,
    headers: { ...(style.headers ?? {}) },
    body: expand(style.body ?? DEFAULT_BODY, context),
  };
}
