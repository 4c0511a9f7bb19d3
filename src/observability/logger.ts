import pino from 'pino';
import type { Logger } from '../ports/index.ts';

export type PinoLogger = pino.Logger;

/** JSON logs to stdout with the instance and role on every line. */
export function createLogger(options: { level: string; instance: string; role: string }): PinoLogger {
  return pino({
    level: options.level,
    base: { instance: options.instance, role: options.role },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.password', '*.api_key'],
      remove: true,
    },
  });
}

/** pino already satisfies the port; this makes the narrowing explicit at the wiring site. */
export function asPortLogger(log: PinoLogger): Logger {
  return log as unknown as Logger;
}
