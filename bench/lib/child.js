// Starting servers and measurement scripts in their own child processes.
import { fork } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './common.js';

const SERVE = path.join(ROOT, 'bench/servers/serve.js');

/** Forks a server under test; resolves with `{ info, close() }` once it listens. */
export function startServer(kind, options = {}, { startTimeoutMs = 30_000, execArgv = [] } = {}) {
  const child = fork(SERVE, [kind, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} did not start within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited with ${code} before it was ready`));
    });
    child.once('message', (message) => {
      clearTimeout(timer);
      if (message.type !== 'ready') {
        child.kill('SIGKILL');
        reject(new Error(`${kind} failed to start: ${message.error}`));
        return;
      }
      child.removeAllListeners('exit');
      resolve({
        info: message.info,
        pid: child.pid,
        close: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.send('close');
          }),
      });
    });
  });
}

/**
 * Runs a measurement script (`bench/cases/<name>.js`) in a fresh process; it sends one `{ type: 'result' }`
 * message. Killed after `timeoutMs`.
 */
export function runCase(script, args = [], { timeoutMs = 300_000, execArgv = [] } = {}) {
  const child = fork(path.join(ROOT, 'bench/cases', script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message) => {
      if (message.type === 'result') result = message.result;
      if (message.type === 'error') result = { error: message.error };
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (result === undefined) reject(new Error(`${script} ${args.join(' ')} exited with ${code} without a result`));
      else if (result.error) reject(new Error(`${script} ${args.join(' ')}: ${result.error}`));
      else resolve(result);
    });
  });
}
