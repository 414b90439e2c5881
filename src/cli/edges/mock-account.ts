import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { getTestAccount, loadConfig, selectAuthorization } from '../../flow/config.js';
import { oneLine } from '../../shared/text.js';
import type { ConsoleReporter } from '../reporter.js';

/**
 * Which tokens `--mock` wrote into which test account, kept beside the mock's state (never the tokens: their
 * SHA-256), so a later run can tell mock tokens from real credentials it is about to replace.
 */
function recordPath(statePath: string): string {
  return `${statePath.replace(/\.json$/, '')}.accounts.json`;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

async function readRecord(statePath: string): Promise<Record<string, string[]>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(recordPath(statePath), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string[]>) : {};
  } catch {
    return {};
  }
}

/**
 * Before a `--mock` run writes into `testAccounts.<accountName>`: says that an account that does not exist yet is
 * being created, and warns (naming the account) when it holds an accessToken or refreshToken that `--mock` did not
 * write, since the run replaces them. A config that cannot be read is left to the flow to report.
 *
 * @returns `true` when the account holds such foreign credentials: the run must log in anew (`--reauth`), since the
 *   mock cannot refresh a refresh token it never issued.
 */
export async function announceMockAccount(options: {
  configPath: string;
  accountName: string;
  /** `--authorization`: checked first, so a config the flow will refuse gets no message from here. */
  authorization?: string;
  statePath: string;
  reporter: Pick<ConsoleReporter, 'info' | 'warn'>;
}): Promise<boolean> {
  let account: Record<string, unknown> | undefined;
  let where: string;
  try {
    const config = await loadConfig(options.configPath);
    where = config.path;
    selectAuthorization(config.data, options.authorization, config.path);
    account = getTestAccount(config.data, options.accountName, config.path);
  } catch {
    return false;
  }
  const name = `testAccounts.${oneLine(options.accountName, 100)}`;
  if (account === undefined) {
    options.reporter.info(`${name} does not exist in ${oneLine(where, 300)} yet: --mock creates it.`);
    return false;
  }
  const held = (['accessToken', 'refreshToken'] as const).filter((key) => typeof account[key] === 'string' && account[key] !== '');
  if (held.length === 0) return false;
  const written = new Set((await readRecord(options.statePath))[options.accountName] ?? []);
  if (held.some((key) => written.has(digest(account[key] as string)))) return false;
  options.reporter.warn(
    `${name} holds ${held.length > 1 ? 'an accessToken and a refreshToken' : `a ${held[0]}`} that --mock did not write: this run logs in to the mock and replaces ${held.length > 1 ? 'them' : 'it'} with mock tokens. ` +
      'To keep real credentials, run --mock without --test-account (it writes testAccounts.mock).',
  );
  return true;
}

/** After a `--mock` run: remembers (as SHA-256) the tokens it wrote into `accountName`. Best effort. */
export async function rememberMockTokens(statePath: string, accountName: string, tokens: { accessToken: string; refreshToken?: string }): Promise<void> {
  const record = await readRecord(statePath);
  record[accountName] = [tokens.accessToken, tokens.refreshToken].filter((t): t is string => Boolean(t)).map(digest);
  const file = recordPath(statePath);
  try {
    await writeFileAtomic(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  } catch {
    // Only the next run's warning depends on it.
  }
}
