import { TestkitError } from '../../shared/errors.js';
import type { Endpoint, EndpointName } from './faults.js';

interface Waiter {
  endpoint: Endpoint;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Waiters for `provider.nextRequest(endpoint)`: each resolves when a request to its endpoint reaches the scenario
 * layer (after it is recorded, before a queued fault or delay is served), so a test under fake timers can advance
 * the clock only once the request is in. Uses no timer of its own.
 */
export class Arrivals {
  #waiters: Waiter[] = [];

  /** Resolves on the next request to `endpoint` (`'any'`: any endpoint the faults know). */
  next(endpoint: Endpoint): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ endpoint, resolve, reject });
    });
  }

  /** Called by the scenario layer for each client request. */
  arrived(endpoint: EndpointName | 'other'): void {
    if (endpoint === 'other' || this.#waiters.length === 0) return;
    const due = this.#waiters.filter((waiter) => waiter.endpoint === endpoint || waiter.endpoint === 'any');
    if (due.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => !due.includes(waiter));
    for (const waiter of due) waiter.resolve();
  }

  /** Rejects every pending waiter (the provider closed): a waiting test fails instead of hanging. */
  close(issuer: string): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      waiter.reject(
        new TestkitError(
          'MOCK_PROVIDER',
          `The mock provider ${issuer} closed while nextRequest('${waiter.endpoint}') was waiting; send the request before close().`,
        ),
      );
    }
  }
}
