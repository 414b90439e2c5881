import type { ProviderShapeQuirks } from './dimensions.js';

/**
 * The authorization request's parameters checked against `quirks.requiredAuthorizeParams` (name → the value it
 * must have, or `true` for any non-empty value) and `quirks.forbiddenAuthorizeParams`. Returns the
 * `invalid_request` description naming the first offending parameter, or undefined when the request is fine.
 */
export function checkAuthorizeParams(params: URLSearchParams, quirks: ProviderShapeQuirks): string | undefined {
  for (const [name, expected] of Object.entries(quirks.requiredAuthorizeParams ?? {})) {
    const value = params.get(name);
    if (value === null || value === '') return `missing required parameter '${name}'`;
    if (expected !== true && value !== expected) return `invalid value for parameter '${name}': expected ${JSON.stringify(expected)}`;
  }
  for (const name of quirks.forbiddenAuthorizeParams ?? []) {
    if (params.has(name)) return `parameter '${name}' is not allowed`;
  }
  return undefined;
}

/**
 * A `code_challenge_method` the engine always refuses (`invalid_request`) after it has checked the client and
 * its `redirect_uri`: sent in place of the client's to let the engine decide whether the error may go to the
 * redirect URI (only a registered one) and carry `state`; the description is then replaced with ours.
 */
export const REFUSED_PKCE_METHOD = 'refused-by-provider-shape';
export const ENGINE_REFUSAL = 'not supported value of code_challenge_method';

/** The engine's redirect (query or fragment) with its refusal replaced by `description`, or undefined when it is another answer. */
export function rewriteRefusal(location: string, description: string): string | undefined {
  const url = URL.parse(location);
  if (url === null) return undefined;
  if (url.searchParams.get('error_description') === ENGINE_REFUSAL) {
    url.searchParams.set('error', 'invalid_request');
    url.searchParams.set('error_description', description);
    return url.href;
  }
  const fragment = new URLSearchParams(url.hash.slice(1));
  if (fragment.get('error_description') === ENGINE_REFUSAL) {
    fragment.set('error', 'invalid_request');
    fragment.set('error_description', description);
    url.hash = fragment.toString();
    return url.href;
  }
  return undefined;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The engine's `form_post` page (hidden inputs, auto-submitted) with its refusal replaced by `description`, or undefined when it is another page. */
export function rewriteFormPostRefusal(html: string, description: string): string | undefined {
  const refused = `name="error_description" value="${ENGINE_REFUSAL}"`;
  if (!html.includes(refused)) return undefined;
  return html.replace(refused, `name="error_description" value="${escapeAttribute(description)}"`);
}
