import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('oauth2 --help on the redirect contract', () => {
  it("says what the platform documents, what is this tool's own, and the fallbacks", () => {
    const help = execFileSync(process.execPath, [main, 'oauth2', '--help'], { encoding: 'utf8' });
    expect(help).toContain('documented by the platform: the callback-cli URL to register, ngrok, port 9002');
    expect(help).toContain("this tool's own (assumed): state = base64url JSON { v: 1, nonce, callback }");
    expect(help).toContain('--no-tunnel with a loopback --redirect-url');
    expect(help).toContain('`integration-cli relay` run at a public URL and passed as --redirect-url');
  });
});
