import { resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { getLocation, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { TestkitError } from '../shared/errors.js';
import { oneLine } from '../shared/text.js';
import { checkConfigKeys, checkDepth, lineColumn, readConfigText } from './config-text.js';
import { OAUTH2_AUTHORIZATION_SCHEMA, TEST_ACCOUNTS_SCHEMA, appendJsonPath, formatJsonPath } from './config-schema.js';
import type { LoadedConfig, OAuth2Authorization, TestAccount, UnitoConfig } from './types.js';

/** One line of `listAuthorizations`: enough to choose an authorization or explain the choice. */
export interface AuthorizationSummary {
  /** Index in `authorizations[]`. */
  index: number;
  name: string | undefined;
  method: string | undefined;
  development: boolean;
}

const PARSE_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes was expected (trailing commas are not allowed)',
  ValueExpected: 'a value was expected (trailing commas are not allowed)',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing } was expected',
  CloseBracketExpected: 'a closing ] was expected',
  EndOfFileExpected: 'the end of the file was expected after the top-level value',
  InvalidCommentToken: 'comments are not allowed',
  UnexpectedEndOfComment: 'comments are not allowed',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is not finished',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string (control characters must be escaped)',
};

/**
 * Converts a UTF-16 offset into a 1-based line and column; `\r\n`, `\n` and `\r` each end a line.
 *
 * @example
 * offsetToLineColumn('{\n  "a": ,\n}', 9) // { line: 2, column: 8 }
 */
export const offsetToLineColumn = lineColumn;

/**
 * Parses config text as plain JSON (no comments, no trailing commas: the platform reads it with `JSON.parse`).
 *
 * @throws TestkitError `CONFIG_PARSE` with `path:line:col`, the JSON path near the error, and what to fix.
 * @example
 * parseConfigText('{"authorizations": []}', '/repo/.unito.json') // { authorizations: [] }
 */
export function parseConfigText(text: string, path: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) {
    throw new TestkitError(
      'CONFIG_PARSE',
      `${path}:1:1: the file starts with a byte-order mark (BOM), which JSON.parse rejects. Save it as UTF-8 without BOM.`,
      { details: { path, line: 1, column: 1 } },
    );
  }
  const errors: ParseError[] = [];
  // Depth first: jsonc-parser recurses per level, and 100,000 levels would overflow the stack.
  checkDepth(text, path);
  const data: unknown = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) {
    checkConfigKeys(text, path);
    return data;
  }
  const { line, column } = lineColumn(text, first.offset);
  const reason = PARSE_MESSAGES[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error);
  const near = getLocation(text, first.offset).path;
  // At a property-name position jsonc-parser ends the path with '' (the name not yet read).
  if (near.at(-1) === '') near.pop();
  const where = near.length > 0 ? ` (in ${formatJsonPath(near)})` : '';
  throw new TestkitError(
    'CONFIG_PARSE',
    `${path}:${line}:${column}: invalid JSON: ${reason}${where}. Fix the file; it must be plain JSON, without comments or trailing commas.`,
    { details: { path, line, column, jsonPath: near.length > 0 ? formatJsonPath(near) : undefined } },
  );
}

/**
 * Reads and parses a `.unito.json`.
 *
 * @throws TestkitError `CONFIG_NOT_FOUND` (no readable file), `CONFIG_PARSE` (not plain JSON, with line:col),
 *   `CONFIG_INVALID` (top level is not an object).
 * @example
 * const config = await loadConfig('.unito.json');
 * const { authorization } = selectAuthorization(config.data, undefined, config.path);
 */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const text = await readConfigText(absolute);
  const data = parseConfigText(text, absolute);
  if (!isPlainObject(data)) {
    throw new TestkitError('CONFIG_INVALID', `${absolute}: the top level must be a JSON object (found ${describeType(data)}). Wrap the config in { … }.`, {
      details: { path: absolute, jsonPath: '(top level)' },
    });
  }
  return { path: absolute, text, data: data as UnitoConfig };
}

/**
 * Lists `authorizations[]` (entries that are not objects are skipped, indexes stay real).
 *
 * @throws TestkitError `CONFIG_INVALID` when `authorizations` is present but not an array.
 * @example
 * listAuthorizations(config).filter((a) => a.method === 'oauth2' && !a.development) // production candidates
 */
export function listAuthorizations(config: UnitoConfig, configPath?: string): AuthorizationSummary[] {
  const list = config.authorizations as unknown;
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    const file = configPath ?? '.unito.json';
    throw new TestkitError(
      'CONFIG_INVALID',
      `${file}: authorizations must be an array (found ${describeType(list)}). Make it a list of authorizations, e.g. "authorizations": [{ "name": "oauth2", "method": "oauth2", "oauth2": { … } }], and run again.`,
      { details: { path: configPath, jsonPath: 'authorizations' } },
    );
  }
  const out: AuthorizationSummary[] = [];
  list.forEach((entry: unknown, index) => {
    if (!isPlainObject(entry)) return;
    out.push({
      index,
      name: typeof entry.name === 'string' ? entry.name : undefined,
      method: typeof entry.method === 'string' ? entry.method : undefined,
      development: entry.development === true,
    });
  });
  return out;
}

/** The library's next step for AUTHORIZATION_NOT_FOUND; the CLI names its flag instead. */
const PICK_ONE = 'Pass one of these names as the authorization to use.';

/**
 * Chooses the oauth2 authorization to run and validates its `oauth2` block: `name` (from `--authorization`) wins,
 * else the oauth2 one with `development: true`, else the only oauth2 one.
 *
 * @throws TestkitError `AUTHORIZATION_NOT_FOUND` (unknown name, none or several candidates; lists the names),
 *   `CONFIG_INVALID` (the chosen authorization breaks the schema; names each JSON path).
 * @example
 * const { authorization, index } = selectAuthorization(config.data, options.authorization, config.path);
 */
export function selectAuthorization(config: UnitoConfig, name?: string, configPath?: string): SelectedAuthorization {
  const all = listAuthorizations(config, configPath);
  const oauth2 = all.filter((a) => a.method === 'oauth2');
  const file = configPath ?? '.unito.json';
  const names = (list: AuthorizationSummary[]): string => {
    if (list.length === 0) return '(none)';
    const shown = list
      .slice(0, MAX_LISTED_PROBLEMS)
      .map((a) => `${a.name === undefined ? `authorizations[${a.index}]` : oneLine(a.name, 80)} (${oneLine(a.method ?? 'no method', 40)})`);
    return list.length > MAX_LISTED_PROBLEMS ? `${shown.join(', ')} and ${list.length - MAX_LISTED_PROBLEMS} more` : shown.join(', ');
  };
  const details = { path: configPath, available: oauth2.map((a) => a.name) };
  let chosen: AuthorizationSummary | undefined;

  if (name !== undefined) {
    chosen = all.find((a) => a.name === name);
    if (chosen === undefined) {
      throw new TestkitError('AUTHORIZATION_NOT_FOUND', `No authorization named "${name}" in ${file}. Available: ${names(all)}.`, { details, next: PICK_ONE });
    }
    if (chosen.method !== 'oauth2') {
      throw new TestkitError(
        'AUTHORIZATION_NOT_FOUND',
        `Authorization "${name}" in ${file} uses method "${chosen.method ?? '(none)'}", not "oauth2". OAuth 2 authorizations: ${names(oauth2)}.`,
        { details, next: PICK_ONE },
      );
    }
  } else {
    const development = oauth2.filter((a) => a.development);
    if (development.length > 1) {
      throw new TestkitError('AUTHORIZATION_NOT_FOUND', `Several oauth2 authorizations in ${file} are marked "development": true: ${names(development)}.`, {
        details,
        next: PICK_ONE,
      });
    }
    chosen = development[0] ?? (oauth2.length === 1 ? oauth2[0] : undefined);
    if (chosen === undefined) {
      const message =
        oauth2.length === 0
          ? `No oauth2 authorization in ${file} (authorizations: ${names(all)}). Add one with "method": "oauth2" and an "oauth2" block.`
          : `${file} has ${oauth2.length} oauth2 authorizations and none is marked "development": true: ${names(oauth2)}.`;
      throw new TestkitError('AUTHORIZATION_NOT_FOUND', message, {
        details,
        ...(oauth2.length === 0 ? {} : { next: `${PICK_ONE} Or mark one "development": true.` }),
      });
    }
  }

  return { authorization: validateAuthorization(config, chosen.index, configPath), index: chosen.index };
}

/** The authorization {@link selectAuthorization} chose, and its position in `authorizations` (names may repeat). */
export interface SelectedAuthorization {
  authorization: OAuth2Authorization;
  /** Index in `authorizations`: `authorizations[index].oauth2` is where its settings live. */
  index: number;
}

/**
 * Validates `authorizations[index]` as an oauth2 authorization, by position: names may be missing or repeated.
 *
 * @throws TestkitError `CONFIG_INVALID` (names each JSON path that breaks the schema).
 * @example
 * listAuthorizations(config.data).filter((a) => a.method === 'oauth2').map((a) => validateAuthorization(config.data, a.index))
 */
export function validateAuthorization(config: UnitoConfig, index: number, configPath?: string): OAuth2Authorization {
  const entry = (config.authorizations as unknown[] | undefined)?.[index];
  const validate = validator('authorization', OAUTH2_AUTHORIZATION_SCHEMA);
  if (!validate(entry)) throw invalid(configPath, schemaProblems(validate.errors, ['authorizations', index]));
  return entry as OAuth2Authorization;
}

/**
 * Returns `testAccounts.<accountName>`, or `undefined` when there is no such account (the flow then creates it).
 *
 * @throws TestkitError `CONFIG_INVALID` when `testAccounts` is not an object of objects.
 * @example
 * const account = getTestAccount(config.data, 'development');
 * const refreshToken = typeof account?.refreshToken === 'string' ? account.refreshToken : undefined;
 */
export function getTestAccount(config: UnitoConfig, accountName: string, configPath?: string): TestAccount | undefined {
  assertAccountName(accountName);
  const accounts = config.testAccounts as unknown;
  if (accounts === undefined) return undefined;
  const validate = validator('testAccounts', TEST_ACCOUNTS_SCHEMA);
  if (!validate(accounts)) throw invalid(configPath, schemaProblems(validate.errors, ['testAccounts']));
  const record = accounts as Record<string, TestAccount>;
  return Object.hasOwn(record, accountName) ? record[accountName] : undefined;
}

/** The longest test account name accepted (a JSON key the platform shows in its UI). */
const MAX_ACCOUNT_NAME_LENGTH = 200;

/**
 * Refuses a test account name the flow could not write and read back as an own key of `testAccounts`: empty,
 * longer than 200 characters, with control characters, or `__proto__` (which a JSON reader turns into a prototype).
 *
 * @throws TestkitError `USAGE`
 */
export function assertAccountName(accountName: string): void {
  const problem =
    accountName === ''
      ? 'is empty'
      : accountName.length > MAX_ACCOUNT_NAME_LENGTH
        ? `is longer than ${MAX_ACCOUNT_NAME_LENGTH} characters`
        : /\p{Cc}/u.test(accountName)
          ? 'contains control characters'
          : accountName === '__proto__'
            ? 'is "__proto__", which JSON readers turn into a prototype instead of a key'
            : undefined;
  if (problem === undefined) return;
  throw new TestkitError(
    'USAGE',
    `The test account name ${JSON.stringify(oneLine(accountName, 60))} ${problem}. Choose a plain name such as "development" or "mock".`,
    {
      details: { accountName: oneLine(accountName, 60) },
    },
  );
}

const validators = new Map<string, ValidateFunction>();
let ajv: Ajv | undefined;

/** Compiles each schema once, on first use: ajv compilation is the slow part of loading a config. */
function validator(key: string, schema: object): ValidateFunction {
  let validate = validators.get(key);
  if (validate === undefined) {
    ajv ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

interface Problem {
  path: string;
  message: string;
}

/** Turns ajv errors into `{ path, message }` lines; values are never quoted because they may be secrets. */
function schemaProblems(errors: ErrorObject[] | null | undefined, prefix: Array<string | number>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // A failed `if` only says which branch applied; that branch's own error says what is wrong.
    if (error.keyword === 'if') continue;
    const segments = error.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
    let path = formatJsonPath([...prefix, ...segments]);
    const params = error.params as Record<string, unknown>;
    let message: string;
    switch (error.keyword) {
      case 'required':
        path = appendJsonPath(path, String(params.missingProperty));
        message = error.schemaPath.includes('/else/') ? `is required for ${grantOf(error.data)}` : 'is required';
        break;
      case 'additionalProperties':
        path = appendJsonPath(path, String(params.additionalProperty));
        message = `is not allowed here (expected only ${Object.keys(schemaPropertiesAt(error)).join(', ')})`;
        break;
      case 'type':
        message = `must be ${article(String(params.type))}`;
        break;
      case 'minLength':
        message = 'must be a non-empty string';
        break;
      case 'enum':
        message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        message = `must be ${JSON.stringify(params.allowedValue)}`;
        break;
      default:
        message = error.message ?? 'is invalid';
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path: oneLine(path, 200), message: oneLine(message, 300) });
  }
  return problems;
}

/** The grant a per-grant `required` is about, for the message: the oauth2 block's own `grantType`, or the default. */
function grantOf(data: unknown): string {
  const grantType = isPlainObject(data) ? data.grantType : undefined;
  return typeof grantType === 'string' ? `grantType ${JSON.stringify(oneLine(grantType, 80))}` : 'grantType "authorization_code" (the default)';
}

function schemaPropertiesAt(error: ErrorObject): Record<string, unknown> {
  const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return schema?.properties ?? {};
}

function article(types: string): string {
  const names = types.split(',').map((t) => (t === 'object' ? 'an object' : t === 'array' ? 'an array' : `a ${t}`));
  return names.length === 1 ? (names[0] ?? types) : `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}

/** How many schema problems an error lists; the rest are counted ("and N more"). */
const MAX_LISTED_PROBLEMS = 10;

function invalid(configPath: string | undefined, problems: Problem[]): TestkitError {
  const file = configPath ?? '.unito.json';
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  ${p.path} ${p.message}`);
  if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`  … and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  return new TestkitError('CONFIG_INVALID', `${file} is not a valid config:\n${listed.join('\n')}\nFix these entries and run again.`, {
    details: { path: configPath, problems: problems.slice(0, 100), problemCount: problems.length },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
