import { TestkitError } from '../shared/errors.js';
import { appendJsonPath } from './config-schema.js';
import type { OAuth2Authorization, RequestParameters, TestAccount } from './types.js';

/**
 * Template syntax of `.unito.json` URLs and request parameters:
 *
 * | syntax            | result                                                                  |
 * |-------------------|-------------------------------------------------------------------------|
 * | `{+name}`         | the value of `name`; URL-encoded (encodeURIComponent) inside URLs only,  |
 * |                   | except an http(s) base URL at the very start of a URL (encodeURI)        |
 * | `{!base64(...)}`  | base64 of the raw expansion of `...` (literal text and `{+name}`);       |
 * |                   | URL-encoded inside URLs only                                             |
 * | any other `{`     | a literal `{` (JSON text in parameters keeps its braces)                 |
 *
 * Literal text around placeholders is never encoded: in a URL it is the URL's own structure.
 */

/** Variables a template can use; values are already strings. */
export type TemplateContext = Record<string, string>;

export interface ExpandOptions {
  /** The template is a URL: inserted values are URL-encoded. */
  url?: boolean;
  /** Where the template comes from, for error messages, e.g. `authorizations[0].oauth2.tokenUrl`. */
  where: string;
  /** Name of the test account whose values fill the template, so a missing value names `testAccounts.<account>`. */
  account?: string | undefined;
}

const NAME = /^[A-Za-z0-9_$.-]+$/;

/** How deep `{!fn(...)}` calls may nest: real templates use one level (`{!base64({+id}:{+secret})}`). */
export const MAX_TEMPLATE_DEPTH = 8;

/** The longest value a template may expand to: 64 KiB, far above any URL or header a provider accepts. */
export const MAX_TEMPLATE_OUTPUT = 64 * 1024;
const FUNCTIONS: Record<string, (input: string) => string> = {
  base64: (input) => Buffer.from(input, 'utf8').toString('base64'),
};

/**
 * Builds the variables of a template: the authorization's scalar `variables` as defaults, then the test
 * account's scalar values (credential names included, so `{+accessToken}` works), then `clientId` and
 * `clientSecret`, which always come from the authorization. Numbers and booleans are stringified; objects,
 * arrays and null are left out.
 *
 * @example
 * templateContext(authorization, { domain: 'acme' }) // { domain: 'acme', clientId: '…', clientSecret: '…' }
 */
export function templateContext(authorization: OAuth2Authorization, account?: TestAccount): TemplateContext {
  const context: TemplateContext = {};
  const addScalars = (source: Record<string, unknown> | undefined): void => {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') context[key] = String(value);
    }
  };
  addScalars(authorization.variables);
  addScalars(account);
  context.clientId = authorization.oauth2.clientId;
  context.clientSecret = authorization.oauth2.clientSecret;
  return context;
}

/**
 * The names a template reads with `{+name}` (inside function calls too), in order, each once.
 *
 * @example
 * templateNames('https://{+domain}.example.com/{!base64({+clientId}:{+clientSecret})}') // ['domain', 'clientId', 'clientSecret']
 */
export function templateNames(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(/\{\+([A-Za-z0-9_$.-]+)\}/g)) names.add(match[1] as string);
  return [...names];
}

/**
 * Expands `{+name}` and `{!base64(...)}` in a template; a string without `{` comes back unchanged.
 *
 * @throws TestkitError `TEMPLATE_VARIABLE_MISSING` (names the variable, `where`, and the known names, never values),
 *   `TEMPLATE_INVALID` (unclosed placeholder, bad name, unknown function).
 * @example
 * expandTemplate('Basic {!base64({+clientId}:{+clientSecret})}', ctx, { where: 'authorizations[0].oauth2.tokenRequestParameters.header.Authorization' })
 * expandTemplate('https://{+domain}.example.com/oauth/token', ctx, { url: true, where: 'authorizations[0].oauth2.tokenUrl' })
 */
export function expandTemplate(template: string, context: TemplateContext, options: ExpandOptions): string {
  if (!template.includes('{')) return template;
  return new Parser(template, context, options).sequence(false);
}

/**
 * Expands the templates of `tokenRequestParameters` / `refreshRequestParameters`: header values and string body
 * values raw (no URL encoding), numbers and booleans kept as they are.
 *
 * @throws TestkitError `TEMPLATE_VARIABLE_MISSING`, `TEMPLATE_INVALID` as `expandTemplate`; `CONFIG_INVALID` for a
 *   body value that is not a string, number or boolean.
 * @example
 * expandRequestParameters(oauth2.tokenRequestParameters, ctx, 'authorizations[0].oauth2.tokenRequestParameters')
 * // { headers: { Authorization: 'Basic …' }, body: { audience: 'api' } }
 */
export function expandRequestParameters(
  params: RequestParameters | undefined,
  context: TemplateContext,
  where: string,
  account?: string,
): { headers: Record<string, string>; body: Record<string, string | number | boolean> } {
  const headers: Record<string, string> = {};
  const body: Record<string, string | number | boolean> = {};
  const headerWhere = appendJsonPath(where, 'header');
  for (const [key, value] of Object.entries(params?.header ?? {})) {
    headers[key] = expandTemplate(value, context, { where: appendJsonPath(headerWhere, key), account });
  }
  const bodyWhere = appendJsonPath(where, 'body');
  for (const [key, value] of Object.entries(params?.body ?? {})) {
    const at = appendJsonPath(bodyWhere, key);
    if (typeof value === 'string') body[key] = expandTemplate(value, context, { where: at, account });
    else if (typeof value === 'number' || typeof value === 'boolean') body[key] = value;
    else throw new TestkitError('CONFIG_INVALID', `${at} must be a string, number or boolean. Change it in the config.`, { details: { where: at } });
  }
  return { headers, body };
}

/** Recursive-descent reader over one template; `pos` only moves forward. */
class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly context: TemplateContext,
    private readonly options: ExpandOptions,
  ) {}

  /** Reads literal text and placeholders; inside a function argument, stops before the closing `)}`. */
  sequence(inArgument: boolean): string {
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (inArgument && ch === ')' && this.text[this.pos + 1] === '}') return out;
      const next = this.text[this.pos + 1];
      if (ch === '{' && next === '+') out += this.variable(inArgument);
      else if (ch === '{' && next === '!') out += this.call(inArgument);
      else {
        out += ch;
        this.pos++;
      }
      if (out.length > MAX_TEMPLATE_OUTPUT) throw this.invalid(`it expands to more than ${MAX_TEMPLATE_OUTPUT / 1024} KiB`);
    }
    if (inArgument) throw this.invalid('a function call is not closed with ")}"');
    return out;
  }

  private variable(inArgument: boolean): string {
    const start = this.pos;
    const close = this.text.indexOf('}', start);
    if (close === -1) throw this.invalid(`"{+" at character ${start + 1} is not closed with "}"`);
    const name = this.text.slice(start + 2, close);
    if (!NAME.test(name)) throw this.invalid(`the variable name after "{+" at character ${start + 1} is not valid (letters, digits, _ . - $)`);
    this.pos = close + 1;
    const value = Object.hasOwn(this.context, name) ? this.context[name] : undefined;
    if (value === undefined) throw this.missing(name);
    if (this.options.url !== true || inArgument) return value;
    // A URL that starts with a variable holding a base URL (`{+instanceUrl}/oauth/token`, self-hosted providers)
    // keeps that URL's structure; everywhere else a value is one URL component.
    return start === 0 && /^https?:\/\//i.test(value) ? encodeURI(value) : encodeURIComponent(value);
  }

  private call(inArgument: boolean): string {
    const start = this.pos;
    const open = this.text.indexOf('(', start);
    const fnName = open === -1 ? '' : this.text.slice(start + 2, open);
    if (open === -1 || !/^[A-Za-z0-9_]+$/.test(fnName)) {
      throw this.invalid(`"{!" at character ${start + 1} must be followed by a function call such as "{!base64(...)}"`);
    }
    const fn = Object.hasOwn(FUNCTIONS, fnName) ? FUNCTIONS[fnName] : undefined;
    if (fn === undefined) throw this.invalid(`unknown function "${fnName}" at character ${start + 1} (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    if (this.depth >= MAX_TEMPLATE_DEPTH) throw this.invalid(`function calls are nested more than ${MAX_TEMPLATE_DEPTH} deep at character ${start + 1}`);
    this.pos = open + 1;
    this.depth++;
    const argument = this.sequence(true);
    this.depth--;
    this.pos += 2;
    const result = fn(argument);
    if (result.length > MAX_TEMPLATE_OUTPUT) throw this.invalid(`it expands to more than ${MAX_TEMPLATE_OUTPUT / 1024} KiB`);
    return this.options.url === true && !inArgument ? encodeURIComponent(result) : result;
  }

  private invalid(problem: string): TestkitError {
    return new TestkitError('TEMPLATE_INVALID', `Invalid template in ${this.options.where}: ${problem}. Fix the template in the config.`, {
      details: { where: this.options.where },
    });
  }

  private missing(name: string): TestkitError {
    const available = Object.keys(this.context).sort();
    return new TestkitError(
      'TEMPLATE_VARIABLE_MISSING',
      `Template variable "${name}" used in ${this.options.where} is not defined. Known names: ${available.join(', ')}. ` +
        `Add "${name}" to ${this.options.account === undefined ? 'the test account' : `testAccounts.${this.options.account}`} or fix the template.`,
      { details: { variable: name, where: this.options.where, available, ...(this.options.account === undefined ? {} : { account: this.options.account }) } },
    );
  }
}
