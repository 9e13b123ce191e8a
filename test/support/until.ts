/** Polls `probe` until it returns a truthy value, and returns that value; fails naming `what` after the timeout. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 90_000, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
