import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import type { ChatClient } from '../../../src/core/llm/chat.ts';
import { OptionalModuleError, optionalModule } from '../../../src/core/shared/optional-module.ts';
import type { Logger } from '../../../src/ports/index.ts';
import { lazyChatClient } from '../../../src/runtime/llm.wiring.ts';

/**
 * Issue 14 part 6: modules only some configurations use (LLM SDKs, mailparser, openid-client) are
 * imported on first use; a configured feature whose module is missing fails with an error that
 * names the feature, not a bare ERR_MODULE_NOT_FOUND.
 */
const missing = () => {
  const err = new Error("Cannot find package 'some-sdk'") as NodeJS.ErrnoException;
  err.code = 'ERR_MODULE_NOT_FOUND';
  return Promise.reject(err);
};

function recordingLog(): Logger & { errors: { obj: object; msg?: string | undefined }[] } {
  const errors: { obj: object; msg?: string | undefined }[] = [];
  const log = {
    errors,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj: object, msg?: string) => void errors.push({ obj, msg }),
    child: () => log,
  };
  return log;
}

describe('optional modules', () => {
  it('loads once, on the first call, and shares the module afterwards', async () => {
    const load = vi.fn(async () => ({ value: 42 }));
    const get = optionalModule('feature x', load);
    expect(load).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('a missing module names the feature and the code; the next call tries again', async () => {
    const load = vi.fn(missing);
    const get = optionalModule('e-mail analysis', load);
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionalModuleError);
    expect((err as Error).message).toMatch(
      /^e-mail analysis could not load its module \(ERR_MODULE_NOT_FOUND\): Cannot find package 'some-sdk'; reinstall the dependencies/,
    );
    expect((err as Error).cause).toBeInstanceOf(Error);
    load.mockImplementationOnce(async () => ({ ok: true }) as never);
    await expect(get()).resolves.toEqual({ ok: true });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('the real optional modules load from this install', async () => {
    // What the lazy imports point at: a renamed file would otherwise surface only in production.
    await expect(import('../../../src/adapters/llm/openai.chat-client.ts')).resolves.toHaveProperty(
      'OpenAiChatClient',
    );
    await expect(import('../../../src/adapters/llm/anthropic.chat-client.ts')).resolves.toHaveProperty(
      'AnthropicChatClient',
    );
    await expect(import('../../../src/adapters/oidc/oidc.client.ts')).resolves.toHaveProperty(
      'OpenIdClientLogin',
    );
    await expect(import('mailparser')).resolves.toHaveProperty('simpleParser');
  });
});

describe('lazy LLM chat client', () => {
  const request = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [] } as never;

  it('imports the provider on creation in the background and answers through it', async () => {
    const chat = vi.fn(async () => ({ content: 'ok' }) as never);
    const load = vi.fn(async (): Promise<ChatClient> => ({ provider: 'openai', model: 'm', chat }));
    const log = recordingLog();
    const client = lazyChatClient('openai', 'm', load, log);
    expect(client).toMatchObject({ provider: 'openai', model: 'm' });
    await client.chat(request);
    await client.chat(request);
    expect(load).toHaveBeenCalledTimes(1);
    expect(chat).toHaveBeenCalledTimes(2);
    expect(log.errors).toEqual([]);
  });

  it('a configured provider whose SDK is missing is logged at once and fails each call clearly', async () => {
    const log = recordingLog();
    const client = lazyChatClient('anthropic', 'claude-x', missing, log);
    await vi.waitFor(() => expect(log.errors).toHaveLength(1));
    expect(log.errors[0]!.msg).toBe('LLM analyst unavailable: its SDK did not load');
    expect(JSON.stringify(log.errors[0]!.obj)).toContain('llm.provider anthropic could not load its module');
    await expect(client.chat(request)).rejects.toThrow(
      /llm\.provider anthropic could not load its module \(ERR_MODULE_NOT_FOUND\)/,
    );
  });
});

describe('database.pglite_wasm_optimizer', () => {
  it('is off by default and read from TW_DATABASE__PGLITE_WASM_OPTIMIZER', () => {
    expect(loadConfig({ env: {} }).database.pglite_wasm_optimizer).toBe(false);
    expect(
      loadConfig({ env: { TW_DATABASE__PGLITE_WASM_OPTIMIZER: 'true' } }).database.pglite_wasm_optimizer,
    ).toBe(true);
    expect(() => loadConfig({ env: { TW_DATABASE__PGLITE_WASM_OPTIMIZER: 'fast' } })).toThrow(
      /pglite_wasm_optimizer/,
    );
  });
});
