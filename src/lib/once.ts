/**
 * A loader that runs at most once at a time and keeps its result: every caller shares the first
 * call's promise. A rejection is not kept: the next call tries again (and fails loudly again), so a
 * transient failure never poisons the isolate.
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}
