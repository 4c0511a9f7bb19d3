/**
 * Loads a module that only some configurations use (an LLM SDK, the MIME parser, the OpenID client)
 * on first use instead of at start-up: the embedded default never pays their memory (issue 14 part
 * 6). Loaded once; a failure is not cached (a later call tries again) and is rethrown naming the
 * feature that needed it, so that a broken install reads as such rather than as a bare
 * ERR_MODULE_NOT_FOUND from deep inside a request.
 */
export function optionalModule<T>(feature: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw new OptionalModuleError(feature, err);
    }));
}

export class OptionalModuleError extends Error {
  override readonly name = 'OptionalModuleError';
  constructor(feature: string, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    super(
      `${feature} could not load its module${typeof code === 'string' ? ` (${code})` : ''}: ` +
        `${cause instanceof Error ? cause.message : String(cause)}; reinstall the dependencies (npm ci) or turn the feature off`,
      { cause },
    );
  }
}
