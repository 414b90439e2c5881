// How a case script hands its one result to the parent (and fails loudly, bounded in time).
export function guard(timeoutMs) {
  setTimeout(() => {
    process.send?.({ type: 'error', error: `timed out after ${timeoutMs} ms` });
    process.exit(4);
  }, timeoutMs).unref();
}

export async function report(fn) {
  try {
    const result = await fn();
    process.send?.({ type: 'result', result }, () => process.exit(0));
    if (!process.send) {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    }
  } catch (error) {
    process.send?.({ type: 'error', error: String(error?.stack ?? error) }, () => process.exit(1));
    if (!process.send) {
      console.error(error);
      process.exit(1);
    }
  }
}
