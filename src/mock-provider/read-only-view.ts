/**
 * A live read-only view of an array the provider owns: reads see every later change (a `registerClient`, a user
 * typed in the login form), writes (`push`, index assignment, `length`) throw a `TypeError` that names the way in.
 */
export function readOnlyView<T extends object>(items: T[], what: string, wayIn: string): readonly Readonly<T>[] {
  const refuse = (): never => {
    throw new TypeError(`provider.${what} is a read-only view; use ${wayIn} to change it.`);
  };
  const element = new WeakMap<T, Readonly<T>>();
  const frozen = (item: T): Readonly<T> => {
    let view = element.get(item);
    if (view === undefined) {
      view = new Proxy(item, { set: refuse, defineProperty: refuse, deleteProperty: refuse });
      element.set(item, view);
    }
    return view;
  };
  return new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) {
        const item = target[Number(key)];
        return item === undefined ? undefined : frozen(item);
      }
      if (
        key === 'push' ||
        key === 'pop' ||
        key === 'shift' ||
        key === 'unshift' ||
        key === 'splice' ||
        key === 'sort' ||
        key === 'reverse' ||
        key === 'fill' ||
        key === 'copyWithin'
      ) {
        return refuse;
      }
      return Reflect.get(target, key, receiver);
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
  });
}
