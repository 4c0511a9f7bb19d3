import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/contracts/index.ts';
import { registerErrorHandling } from '../../../src/api/plugins/errors.ts';

/** The error handler's log lines, as pino writes them (raw JSON text: duplicate keys stay visible). */
async function refusedLines(): Promise<string[]> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const app = Fastify({
    loggerInstance: pino({ level: 'info' }, sink) as FastifyBaseLogger,
    disableRequestLogging: true,
  });
  registerErrorHandling(app);
  app.get('/refuse', async () => {
    throw new AppError('VALIDATION_ERROR', 'title must be a non-empty string');
  });
  const res = await app.inject('/refuse');
  expect(res.statusCode).toBe(400);
  await app.close();
  return lines;
}

describe('error handler logging', () => {
  it('a refused request is logged with one msg key (the reason under its own key)', async () => {
    const refused = (await refusedLines()).filter((l) => l.includes('request refused'));
    expect(refused).toHaveLength(1);
    const line = refused[0]!;
    expect(line.match(/"msg":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({
      msg: 'request refused',
      code: 'VALIDATION_ERROR',
      reason: 'title must be a non-empty string',
    });
  });
});
