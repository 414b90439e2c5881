import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../../src/mock-provider/state/memory-store.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryStore', () => {
  it('evicts the least recently written session once the cap is reached, whatever else is stored', () => {
    const store = new MemoryStore({ maxTransient: 2 });
    for (let i = 0; i < 50; i += 1) store.set('AccessToken', `AccessToken:${i}`, { grantId: 'g' }, 3600);
    store.set('Session', 'Session:a', { uid: 'ua' }, 600);
    store.set('Session', 'Session:b', { uid: 'ub' }, 600);
    store.set('Session', 'Session:a', { uid: 'ua' }, 600);
    store.set('Session', 'Session:c', { uid: 'uc' }, 600);
    expect(store.list('Session').map((entry) => entry.key)).toEqual(['Session:a', 'Session:c']);
    expect(store.keyForSessionUid('ub')).toBeUndefined();
    expect(store.list('AccessToken')).toHaveLength(50);
  });

  it('evicts the oldest grant with every code and token issued under it', () => {
    const store = new MemoryStore({ maxTransient: 10, maxGrants: 2 });
    for (const id of ['g1', 'g2', 'g3']) {
      store.set('Grant', `Grant:${id}`, { jti: id }, 3600);
      store.set('RefreshToken', `RefreshToken:${id}`, { grantId: id }, 3600);
      store.set('AccessToken', `AccessToken:${id}`, { grantId: id }, 3600);
    }
    expect(store.get('Grant:g1')).toBeUndefined();
    expect(store.get('RefreshToken:g1')).toBeUndefined();
    expect(store.get('AccessToken:g1')).toBeUndefined();
    expect(store.list('RefreshToken').map((entry) => entry.key)).toEqual(['RefreshToken:g2', 'RefreshToken:g3']);
    expect(store.size).toBe(6);
  });

  it('drops expired entries of a model as that model is written, without a read', () => {
    vi.useFakeTimers();
    const store = new MemoryStore({ maxTransient: 10 });
    for (let i = 0; i < 3; i += 1) store.set('AuthorizationCode', `AuthorizationCode:${i}`, {}, 60);
    store.set('Grant', 'Grant:g', {}, undefined);
    vi.advanceTimersByTime(61_000);
    store.set('AuthorizationCode', 'AuthorizationCode:new', {}, 60);
    expect(store.size).toBe(2);
    expect(store.get('Grant:g')).toEqual({});
  });
});
