import { TestkitError } from '../shared/errors.js';
import { oneLine } from '../shared/text.js';
import type { FlowReporter, PromptEdge } from './run-flow.js';
import type { TestAccount } from './types.js';

/**
 * The password grant's `username` and `password` (RFC 6749 §4.3.2): the test account's, else asked through the
 * prompt edge (the password hidden). Neither is ever written to the config; the password is never shown.
 *
 * @throws TestkitError `CONFIG_INVALID` (`details.reason: 'credentials-missing'`, `details.keys`) when one is missing
 *   and there is no prompt (no terminal), or the account holds one that is not a non-empty string.
 */
export async function passwordCredentials(
  account: TestAccount,
  accountName: string,
  prompt: PromptEdge | undefined,
  reporter: FlowReporter,
): Promise<{ username: string; password: string }> {
  const where = `testAccounts.${oneLine(accountName, 100)}`;
  for (const key of ['username', 'password'] as const) {
    const value = account[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TestkitError('CONFIG_INVALID', `${where}.${key} must be a non-empty string for grantType password. Fix it in the config.`, {
        details: { reason: 'credentials-invalid', where: `${where}.${key}` },
      });
    }
  }
  let username = typeof account.username === 'string' ? account.username : undefined;
  let password = typeof account.password === 'string' ? account.password : undefined;
  const missing = [username === undefined ? 'username' : undefined, password === undefined ? 'password' : undefined].filter(
    (key): key is 'username' | 'password' => key !== undefined,
  );
  if (missing.length === 0) return { username: username as string, password: password as string };
  const keys = missing.map((key) => `${where}.${key}`);
  if (prompt === undefined) {
    throw new TestkitError(
      'CONFIG_INVALID',
      `grantType password needs ${where}.username and ${where}.password; missing: ${keys.join(', ')}, and there is no terminal to ask for ${missing.length === 1 ? 'it' : 'them'}.`,
      {
        next: `Add ${missing.join(' and ')} to ${where}, or run in a terminal to be asked (the answers are never written).`,
        details: { reason: 'credentials-missing', keys },
      },
    );
  }
  reporter.warn(`${keys.join(' and ')} not in the config: asking (the answer${missing.length === 1 ? ' is' : 's are'} not written to the file).`);
  username ??= await ask(prompt, 'username', `Username for ${where}: `, false);
  password ??= await ask(prompt, 'password', `Password for ${oneLine(username, 100)}: `, true);
  return { username, password };
}

async function ask(prompt: PromptEdge, name: 'username' | 'password', text: string, hidden: boolean): Promise<string> {
  const answer = await prompt({ name, text, hidden });
  if (answer === '') {
    throw new TestkitError('USAGE', `No ${name} given: the password grant needs one.`, { details: { reason: 'credentials-empty', key: name } });
  }
  return answer;
}
