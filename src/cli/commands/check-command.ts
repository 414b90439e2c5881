import { isTestkitError } from '../../shared/errors.js';
import { platformRedirectUrl } from '../../flow/authorize-url.js';
import { clientAuthWarnings } from '../../flow/client-auth.js';
import type { ClientAuthWarning } from '../../flow/client-auth.js';
import { listAuthorizations, loadConfig, validateAuthorization } from '../../flow/config.js';
import { providerPitfalls } from '../edges/provider-pitfalls.js';
import type { ProviderPitfall } from '../edges/provider-pitfalls.js';
import { describeFailure, jsonFailure, writeJson } from '../exit.js';
import { ConsoleReporter } from '../reporter.js';

interface AuthorizationReport {
  name: string;
  development: boolean;
  valid: boolean;
  problem?: string;
  /** The redirect URL the provider app behind this authorization must have registered. */
  redirectUrl: string;
  /** Client authentication the config gets wrong (does not change `ready`), with the exact lines to add. */
  warnings?: ClientAuthWarning[];
  /** Known behaviour of the provider its URLs point at (the `--mock` preset pick) that this config runs into. */
  pitfalls?: ProviderPitfall[];
}

/**
 * Runs `integration-cli oauth2 check`: is there a production (non-development) oauth2 authorization,
 * and which redirect URL must each provider app register. Exit 0 when ready to publish, 1 when not (`--json`:
 * `ok: false` with `error.code: 'NOT_READY'` and the same report).
 */
export async function runCheckCommand(options: { configPath: string; json?: boolean }): Promise<number> {
  const reporter = await new ConsoleReporter().init();
  try {
    const config = await loadConfig(options.configPath);
    const origin = new URL(platformRedirectUrl('production')).origin;
    const reports: AuthorizationReport[] = listAuthorizations(config.data, config.path)
      .filter((authorization) => authorization.method === 'oauth2')
      .map(({ index, name: given, development }) => {
        const name = given ?? `authorizations[${index}]`;
        const redirectUrl = `${origin}/credentials/new/oauth2/${development ? 'callback-cli' : 'callback'}`;
        // By index, not by name: a missing or repeated name would pick (and vouch for) another entry.
        try {
          const authorization = validateAuthorization(config.data, index, config.path);
          const warnings = clientAuthWarnings(authorization.oauth2, `authorizations[${index}].oauth2`);
          const pitfalls = providerPitfalls(authorization.oauth2);
          return {
            name,
            development,
            valid: true,
            redirectUrl,
            ...(warnings.length > 0 ? { warnings } : {}),
            ...(pitfalls.length > 0 ? { pitfalls } : {}),
          };
        } catch (error) {
          if (!isTestkitError(error)) throw error;
          return { name, development, valid: false, problem: error.message, redirectUrl };
        }
      });
    const production = reports.filter((report) => !report.development && report.valid);
    const ready = production.length > 0;
    const advice = ready ? [] : adviceFor(reports, origin);

    if (options.json) {
      const fields = { ready, configPath: config.path, authorizations: reports, advice };
      // Not ready is the answer the check exists for, but it exits 1: `ok` says what the exit code says.
      writeJson(ready ? { ok: true, ...fields } : jsonFailure({ code: 'NOT_READY', message: notReadyMessage(reports) }, fields));
    } else {
      if (reports.length === 0) reporter.info(`No oauth2 authorization in ${config.path}.`);
      for (const report of reports) {
        const kind = report.development ? 'development' : 'production';
        reporter.info(`${report.valid ? '✔' : '✖'} "${report.name}" (${kind}): its provider app must register ${report.redirectUrl}`);
        if (report.problem) reporter.info(`    ${report.problem}`);
        for (const warning of report.warnings ?? []) {
          reporter.warn(`    ${warning.lines ? warning.problem : warning.message}`);
          if (warning.lines) reporter.info(['    Add to the oauth2 block:', ...warning.lines.map((line) => `      ${line}`)].join('\n'));
        }
        for (const pitfall of report.pitfalls ?? []) {
          reporter.warn(`    ${pitfall.provider}: ${pitfall.problem}`);
          reporter.info(`      Fix: ${pitfall.fix} (${pitfall.source})`);
        }
      }
      reporter.info(ready ? `Ready to publish: production authorization "${production[0]?.name}".` : ['Not ready to publish.', ...advice].join('\n  '));
    }
    return ready ? 0 : 1;
  } catch (error) {
    const failure = describeFailure(error);
    if (options.json) writeJson(jsonFailure(failure, { ready: false }));
    reporter.error(failure.message);
    return failure.exitCode;
  }
}

/** The one-sentence reason of a not-ready answer (the `error.message` of its `--json` envelope). */
function notReadyMessage(reports: AuthorizationReport[]): string {
  const broken = reports.filter((report) => !report.development && !report.valid);
  if (broken.length > 0) return `Not ready to publish: the production authorization ${broken.map((report) => `"${report.name}"`).join(', ')} is invalid.`;
  return 'Not ready to publish: no oauth2 authorization without "development": true.';
}

/** What to do when the config is not ready: plain sentences (the human output indents the options). */
function adviceFor(reports: AuthorizationReport[], origin: string): string[] {
  const production = `${origin}/credentials/new/oauth2/callback`;
  if (reports.some((report) => !report.development && !report.valid)) {
    return ['Fix the production authorization reported above, then run this check again.'];
  }
  return [
    'Published connectors need an oauth2 authorization without "development": true. Two ways to get one:',
    `Option 1: add ${production} to the redirect URLs of the same provider app, and add an authorization with the same clientId/clientSecret and no "development" flag.`,
    'Option 2: create a second provider app for production with that redirect URL, and add a second authorization with its clientId/clientSecret; keep the development one for the CLI.',
  ];
}
