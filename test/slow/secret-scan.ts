/**
 * Finds secrets in captured output, in the forms they can take there: as written, URL-encoded, base64 and
 * base64url. Returns one line per finding (the secret's first characters and the form), never the secret itself.
 */
export function scanForSecrets(text: string, secrets: readonly string[]): string[] {
  const findings: string[] = [];
  for (const secret of secrets) {
    const forms: Record<string, string> = {
      raw: secret,
      url: encodeURIComponent(secret),
      base64: Buffer.from(secret).toString('base64'),
      base64url: Buffer.from(secret).toString('base64url'),
    };
    for (const [form, value] of Object.entries(forms)) {
      if (text.includes(value)) findings.push(`${secret.slice(0, 4)}… found ${form}`);
    }
  }
  return findings;
}
