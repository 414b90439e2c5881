import type { ProviderShapeQuirks } from './dimensions.js';
import { formatResponseScope } from './scope-format.js';
import { expand, type TemplateContext } from './template.js';

/**
 * The fields of a successful token answer, the provider's way: `token_type` spelling, `expires_in` present or
 * not, `scope` in its field and format, extra fields (templates), fields that come with a refresh token, the
 * whitelist of a refresh answer, the nested user token (Slack `authed_user`) and the `ok: true` envelope.
 * `scopes`/`userScopes` are what was granted, split as the client asked.
 */
export function shapeTokenAnswer(
  quirks: ProviderShapeQuirks,
  answer: Record<string, unknown>,
  context: { grantType: string | undefined; scopes: readonly string[]; userScopes: readonly string[]; template: TemplateContext },
): Record<string, unknown> {
  let out: Record<string, unknown> = { ...answer };
  if (quirks.tokenType !== undefined && typeof out.token_type === 'string') out.token_type = quirks.tokenType;
  if (quirks.expiresIn === false) delete out.expires_in;
  formatResponseScope(out, context.scopes, quirks);
  for (const [key, value] of Object.entries(quirks.extraTokenFields ?? {})) {
    const expanded = expand(value, context.template);
    if (expanded !== undefined) out[key] = expanded;
  }
  if (typeof out.refresh_token === 'string') {
    for (const [key, value] of Object.entries(quirks.refreshTokenFields ?? {})) out[key] = expand(value, context.template);
  }
  if (context.grantType === 'refresh_token' && quirks.refreshResponseFields !== undefined) {
    const keep = new Set(quirks.refreshResponseFields);
    out = Object.fromEntries(Object.entries(out).filter(([key]) => keep.has(key)));
  }
  const user = quirks.userToken;
  if (user !== undefined && context.userScopes.length > 0) {
    const separator = quirks.scopeSeparator ?? ' ';
    const nested: Record<string, unknown> = {
      ...(typeof context.template.user === 'object' && context.template.user !== null ? { id: (context.template.user as { id?: unknown }).id } : {}),
      scope: context.userScopes.join(separator),
      access_token: out.access_token,
      token_type: user.tokenType,
    };
    for (const key of ['expires_in', 'refresh_token']) if (key in out) nested[key] = out[key];
    if (context.scopes.length === 0) {
      // Only user scopes granted: the usable token sits under the nested member alone.
      for (const key of ['access_token', 'token_type', 'scope', 'expires_in', 'refresh_token']) delete out[key];
    }
    out[user.at] = nested;
  }
  return quirks.okEnvelope === true ? { ok: true, ...out } : out;
}
