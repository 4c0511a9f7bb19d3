/**
 * Micro-measurement (not a benchmark suite): what the embedded durability (DurableNodeFS: fsync of
 * the files a commit wrote) costs PGlite, against PGlite's own NodeFS (no fsync). Prints figures.
 *   node --import tsx scripts/pglite-fsync-cost.ts [batches=40] [batchSize=50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import { DurableNodeFS } from '../src/adapters/pglite/pglite.durable-fs.ts';

const batches = Number(process.argv[2] ?? 40);
const batchSize = Number(process.argv[3] ?? 50);

async function measure(name: string, makeFs: (dir: string) => NodeFS): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-fsync-cost-'));
  try {
    let t = performance.now();
    const pg = await PGlite.create({ fs: makeFs(join(dir, 'pg')) });
    const createMs = performance.now() - t;
    await pg.exec('CREATE TABLE t (id serial PRIMARY KEY, doc jsonb)');
    const doc = JSON.stringify({ title: 'x'.repeat(200), indicators: ['1.2.3.4', 'evil.example'] });
    const single: number[] = [];
    for (let i = 0; i < 100; i++) {
      t = performance.now();
      await pg.query('INSERT INTO t (doc) VALUES ($1)', [doc]);
      single.push(performance.now() - t);
    }
    const batch: number[] = [];
    for (let b = 0; b < batches; b++) {
      t = performance.now();
      await pg.query(`INSERT INTO t (doc) SELECT $1::jsonb FROM generate_series(1, ${batchSize})`, [doc]);
      batch.push(performance.now() - t);
    }
    await pg.close();
    const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;
    console.log(
      `${name.padEnd(22)} create ${createMs.toFixed(0).padStart(6)} ms | autocommit insert p50 ${p(single, 0.5).toFixed(2)} ms p95 ${p(single, 0.95).toFixed(2)} ms | ` +
        `batch of ${batchSize} p50 ${p(batch, 0.5).toFixed(2)} ms p95 ${p(batch, 0.95).toFixed(2)} ms ` +
        `(${((batchSize * 1000) / p(batch, 0.5)).toFixed(0)} rows/s)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await measure('NodeFS (no fsync)', (dir) => new NodeFS(dir));
await measure('DurableNodeFS (fsync)', (dir) => new DurableNodeFS(dir));
