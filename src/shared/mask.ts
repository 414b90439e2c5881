/**
 * Masks a secret for display: keeps a short prefix so two tokens can be told apart,
 * hides the rest. Short secrets are hidden entirely.
 *
 * @example
 * maskSecret('gho_16C7e42F292c6912E7710c838347Ae178B4a') // 'gho_…(40 chars)'
 */
export function maskSecret(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return '';
  if (value.length < 12) return `…(${value.length} chars)`;
  return `${value.slice(0, 4)}…(${value.length} chars)`;
}
