/**
 * Text from outside (a provider's `error_description`, a page excerpt) made safe for one line of a message:
 * control characters and line breaks become spaces (so a provider cannot forge output lines or drive the
 * terminal), runs of whitespace collapse, and the length is capped.
 *
 * @example
 * oneLine('bad code\r\nFAKE: ✔ Saved tokens') // 'bad code FAKE: ✔ Saved tokens'
 */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * Ends a sentence exactly once: `'expired'` → `'expired.'`, `'expired.'` stays as it is.
 *
 * @example
 * `Provider said: ${sentence(description)} Run it again.`
 */
export function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/**
 * A URL for messages: origin and path only, since query strings may carry secrets (codes, tokens, api keys).
 *
 * @example
 * displayUrl('https://p.test/token?client_secret=x') // 'https://p.test/token'
 */
export function displayUrl(value: string): string {
  const url = URL.parse(value);
  // Non-special schemes (javascript:, data:, file:…) have the opaque origin "null": show them as written.
  const shown = url !== null && url.origin !== 'null' ? `${url.origin}${url.pathname}` : (value.split(/[?#]/)[0] ?? value);
  return oneLine(shown, 200);
}
