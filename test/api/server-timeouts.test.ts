import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { edgeServerOptions } from '../../src/api/server-options.ts';
import { edgeRuntime } from '../helpers/edge.ts';
import { testConfig } from '../helpers/runtime.ts';

/**
 * A client that sends its headers and part of a body, then stalls, is cut by server.request_timeout
 * (slowloris): it does not hold a connection and a request slot forever.
 */
let rt: Runtime;
beforeAll(async () => {
  rt = await edgeRuntime(testConfig({ server: { request_timeout: '1s', headers_timeout: '1s' } }), {
    listen: true,
  });
}, 180_000);
afterAll(async () => {
  await rt?.stop();
});

describe('server timeouts', { timeout: 120_000 }, () => {
  it('a stalled body is answered 408 and the connection closed', async () => {
    const { port } = new URL(rt.url!);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'POST /api/v1/webhooks/open-source HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"title":',
    );
    await closed; // the test's own timeout is the bound; without request_timeout this never resolves
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('defaults: every timeout is set, none longer than 30 s for a request to arrive', () => {
    const options = edgeServerOptions(testConfig());
    expect(options.requestTimeout).toBeGreaterThan(0);
    expect(options.requestTimeout + options.http.connectionsCheckingInterval).toBeLessThanOrEqual(30_000);
    expect(options.http.headersTimeout).toBeLessThanOrEqual(options.requestTimeout);
    expect(options.keepAliveTimeout).toBeGreaterThan(60_000); // above common load balancer idle timeouts
    expect(options.trustProxy).toBe(false);
    expect(edgeServerOptions(testConfig({ server: { trusted_proxies: ['10.0.0.0/8'] } })).trustProxy).toEqual(
      ['10.0.0.0/8'],
    );
  });
});
