import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { getTestAccount, loadConfig, selectAuthorization } from '../../flow/config.js';
import { templateContext, templateNames } from '../../flow/template.js';
import { ACCOUNT_SECRET_NAMES, RESERVED_CREDENTIAL_NAMES } from '../../flow/types.js';
import type { OAuth2Authorization, TestAccount } from '../../flow/types.js';
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

/** Where a seeded value came from: the development account, the variable's declared `defaultValue`, or a placeholder. */
export type SeedSource = 'testAccounts.development' | 'defaultValue' | 'placeholder';

/** Template values `--mock` gives the account it writes, and where each came from. */
export interface SeededValues {
  values: Record<string, string | number | boolean>;
  sources: Record<string, SeedSource>;
}

const isScalar = (value: unknown): value is string | number | boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Names the flow fills itself, or that are credentials the account only gets from a token response. */
const NOT_SEEDED: ReadonlySet<string> = new Set(['clientId', 'clientSecret', '__proto__', ...RESERVED_CREDENTIAL_NAMES]);

/**
 * The template values the account `--mock` writes lacks: every name the authorization's templates read
 * (`{+domain}` in its URLs and request parameters) or its `variables` declare, that neither the account nor a
 * scalar variable provides. Each comes from the `development` account when it has it (never the value of a
 * variable declared `type: "password"`, nor of a credential name such as `password` or `apiKey`), else from the
 * variable's declared `defaultValue`, else a readable placeholder `mock-<name>`.
 */
export function seedTemplateValues(authorization: OAuth2Authorization, account: TestAccount, development: TestAccount | undefined): SeededValues {
  const settings = authorization.oauth2;
  const templates = [settings.authorizationUrl, settings.tokenUrl];
  for (const parameters of [settings.tokenRequestParameters, settings.refreshRequestParameters]) {
    templates.push(...Object.values(parameters?.header ?? {}));
    for (const value of Object.values(parameters?.body ?? {})) if (typeof value === 'string') templates.push(value);
  }
  const declared = authorization.variables ?? {};
  const names = new Set([...Object.keys(declared), ...templates.filter((t) => typeof t === 'string').flatMap(templateNames)]);
  const known = templateContext(authorization, account);
  const seeded: SeededValues = { values: {}, sources: {} };
  for (const name of names) {
    if (NOT_SEEDED.has(name) || Object.hasOwn(known, name)) continue;
    const variable = Object.hasOwn(declared, name) ? declared[name] : undefined;
    const spec = typeof variable === 'object' && variable !== null ? (variable as { type?: unknown; defaultValue?: unknown }) : {};
    const secret = spec.type === 'password' || (ACCOUNT_SECRET_NAMES as readonly string[]).includes(name);
    const fromDevelopment = development !== undefined && Object.hasOwn(development, name) ? development[name] : undefined;
    let value: string | number | boolean;
    let source: SeedSource;
    if (!secret && isScalar(fromDevelopment)) [value, source] = [fromDevelopment, 'testAccounts.development'];
    else if (isScalar(spec.defaultValue)) [value, source] = [spec.defaultValue, 'defaultValue'];
    else [value, source] = [`mock-${name}`, 'placeholder'];
    Object.defineProperty(seeded.values, name, { value, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(seeded.sources, name, { value: source, enumerable: true, writable: true, configurable: true });
  }
  return seeded;
}

/** The one line that says which names were seeded and from where (never a value from another account). */
export function seededLine(accountName: string, seeded: SeededValues): string {
  const parts = Object.entries(seeded.sources).map(([name, source]) =>
    source === 'placeholder'
      ? `${name} (placeholder "${String(seeded.values[name])}")`
      : source === 'defaultValue'
        ? `${name} (its defaultValue)`
        : `${name} (from ${source})`,
  );
  return oneLine(`testAccounts.${accountName} lacked template values: --mock seeds ${parts.join(', ')}; they are written with the tokens.`, 2000);
}

/**
 * Before a `--mock` run writes into `testAccounts.<accountName>`: says that an account that does not exist yet is
 * being created, and warns (naming the account) when it holds an accessToken or refreshToken that `--mock` did not
 * write, since the run replaces them. Works out the template values to seed (see {@link seedTemplateValues}) and
 * says on one line which and from where. A config that cannot be read is left to the flow to report.
 *
 * @returns `foreignCredentials: true` when the account holds such credentials: the run must log in anew
 *   (`--reauth`), since the mock cannot refresh a refresh token it never issued; `seeded`: the values to seed.
 */
export async function announceMockAccount(options: {
  configPath: string;
  accountName: string;
  /** `--authorization`: checked first, so a config the flow will refuse gets no message from here. */
  authorization?: string | undefined;
  statePath: string;
  reporter: Pick<ConsoleReporter, 'info' | 'warn'>;
}): Promise<{ foreignCredentials: boolean; seeded: SeededValues }> {
  let account: Record<string, unknown> | undefined;
  let where: string;
  let seeded: SeededValues = { values: {}, sources: {} };
  try {
    const config = await loadConfig(options.configPath);
    where = config.path;
    const { authorization } = selectAuthorization(config.data, options.authorization, config.path);
    account = getTestAccount(config.data, options.accountName, config.path);
    seeded = seedTemplateValues(authorization, account ?? {}, getTestAccount(config.data, 'development', config.path));
  } catch {
    return { foreignCredentials: false, seeded };
  }
  const name = `testAccounts.${oneLine(options.accountName, 100)}`;
  if (account === undefined) options.reporter.info(`${name} does not exist in ${oneLine(where, 300)} yet: --mock creates it.`);
  if (Object.keys(seeded.sources).length > 0) options.reporter.info(seededLine(oneLine(options.accountName, 100), seeded));
  if (account === undefined) return { foreignCredentials: false, seeded };
  const held = (['accessToken', 'refreshToken'] as const).filter((key) => typeof account[key] === 'string' && account[key] !== '');
  if (held.length === 0) return { foreignCredentials: false, seeded };
  const written = new Set((await readRecord(options.statePath))[options.accountName] ?? []);
  if (held.some((key) => written.has(digest(account[key] as string)))) return { foreignCredentials: false, seeded };
  options.reporter.warn(
    `${name} holds ${held.length > 1 ? 'an accessToken and a refreshToken' : `a ${held[0]}`} that --mock did not write: this run logs in to the mock and replaces ${held.length > 1 ? 'them' : 'it'} with mock tokens. ` +
      'To keep real credentials, run --mock without --test-account (it writes testAccounts.mock).',
  );
  return { foreignCredentials: true, seeded };
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
