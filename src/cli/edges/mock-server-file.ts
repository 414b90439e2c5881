import { readFile, unlink } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { oneLine } from '../../shared/text.js';

/**
 * The file beside a mock provider state file that names the `integration-cli mock-provider` serving it, so
 * `oauth2 --mock` uses that server instead of starting its own provider on the same state file (two writers of
 * one state file would lose each other's tokens). Written atomically once the server is ready, removed on its
 * graceful close; a server killed with `kill -9` leaves it behind, which readers detect (pid gone, connection
 * refused) and ignore.
 */
export interface MockServerInfo {
  version: 1;
  pid: number;
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** `issuer + '/_testkit/'`. */
  controlUrl: string;
  /** The control token (the file is mode 0600, as the state file beside it). */
  controlToken: string;
}

/** How long `oauth2 --mock` waits for a named server's health answer before calling the file stale. */
export const MOCK_SERVER_HEALTH_TIMEOUT_MS = 2000;

/** `<state>.server.json` beside `<state>.json`. */
export function mockServerFilePath(statePath: string): string {
  return `${statePath.replace(/\.json$/, '')}.server.json`;
}

export async function writeMockServerFile(statePath: string, info: MockServerInfo): Promise<void> {
  await writeFileAtomic(mockServerFilePath(statePath), `${JSON.stringify(info)}\n`, { mode: 0o600, fsync: true });
}

/** Removes the file if it still names this process (a newer server may have replaced it). */
export async function removeMockServerFile(statePath: string, pid = process.pid): Promise<void> {
  const file = mockServerFilePath(statePath);
  const info = await readInfo(file).catch(() => undefined);
  if (info !== undefined && info !== 'invalid' && info.pid !== pid) return;
  await unlink(file).catch(() => {});
}

export type MockServerLookup =
  | { status: 'none' }
  | { status: 'running'; info: MockServerInfo; file: string }
  | { status: 'stale'; file: string; reason: string };

/**
 * The server the file beside `statePath` names, when it still answers `GET /_testkit/health` with its issuer.
 * `stale` (with a reason for one stderr line) when its pid is gone, the connection is refused or times out, or
 * the file is not one this version wrote.
 */
export async function findMockServer(statePath: string, fetchImpl: typeof fetch = globalThis.fetch): Promise<MockServerLookup> {
  const file = mockServerFilePath(statePath);
  let info: MockServerInfo | 'invalid' | undefined;
  try {
    info = await readInfo(file);
  } catch (error) {
    return { status: 'stale', file, reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (info === undefined) return { status: 'none' };
  if (info === 'invalid') return { status: 'stale', file, reason: 'it is not a mock-provider server file' };
  if (!pidAlive(info.pid)) return { status: 'stale', file, reason: `the mock-provider that wrote it (pid ${info.pid}) is gone` };
  try {
    const response = await fetchImpl(`${info.controlUrl}health`, { signal: AbortSignal.timeout(MOCK_SERVER_HEALTH_TIMEOUT_MS) });
    const body = (await response.json().catch(() => undefined)) as { issuer?: unknown } | undefined;
    if (!response.ok || body?.issuer !== info.issuer) {
      return { status: 'stale', file, reason: `${info.controlUrl}health answered ${response.status}, not the mock provider ${info.issuer}` };
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const why = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
    return { status: 'stale', file, reason: `${info.issuer} does not answer (${oneLine(why)})` };
  }
  return { status: 'running', info, file };
}

async function readInfo(file: string): Promise<MockServerInfo | 'invalid' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let data: Partial<MockServerInfo> | null;
  try {
    data = JSON.parse(text) as Partial<MockServerInfo> | null;
  } catch {
    return 'invalid';
  }
  const strings = ['issuer', 'authorizationUrl', 'tokenUrl', 'controlUrl', 'controlToken'] as const;
  if (
    data === null ||
    typeof data !== 'object' ||
    data.version !== 1 ||
    !Number.isInteger(data.pid) ||
    strings.some((key) => typeof data?.[key] !== 'string')
  ) {
    return 'invalid';
  }
  return data as MockServerInfo;
}

/** `kill(pid, 0)`: ESRCH means no such process; EPERM means it exists under another user. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
