/**
 * COPY … FROM STDIN through `pg` without an extra package: a submittable query that streams text
 * chunks with back-pressure (what pg-copy-streams does, reduced to what the generator needs).
 */
import type pg from 'pg';

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

/** Streams the chunks of `source` into `COPY <target> FROM STDIN` (text format); resolves with rows copied. */
export function copyFrom(client: pg.Client, copySql: string, source: AsyncIterable<string>): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let failed: Error | undefined;
    const submittable = {
      submit(connection: Connection) {
        connection.query(copySql);
      },
      handleCopyInResponse(connection: Connection) {
        void (async () => {
          try {
            for await (const chunk of source) {
              connection.sendCopyFromChunk(Buffer.from(chunk, 'utf8'));
              if (connection.stream.writableNeedDrain) {
                await new Promise<void>((r) => connection.stream.once('drain', () => r()));
              }
            }
            connection.endCopyFrom();
          } catch (err) {
            failed = err as Error;
            connection.sendCopyFail(String(err));
          }
        })();
      },
      handleCommandComplete(msg: { text?: string; command?: string; rowCount?: number }) {
        rows = msg.rowCount ?? Number(/(\d+)$/.exec(msg.text ?? '')?.[1] ?? 0);
      },
      handleReadyForQuery() {
        if (failed) reject(failed);
        else resolve(rows);
      },
      handleError(err: Error) {
        failed = err;
        reject(err);
      },
      handleEmptyQuery() {},
      handleRowDescription() {},
      handleDataRow() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    (client as unknown as { query(q: unknown): void }).query(submittable);
  });
}
