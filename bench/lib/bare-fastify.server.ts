/**
 * The baseline: a bare Fastify server answering a constant JSON body, in its own process like the
 * API. Port in env BENCH_PORT. Serves `/` (the constant body), `/live` and `/ready`.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const constant = { status: 'ok' };
app.get('/', async () => constant);
app.get('/live', async () => constant);
app.get('/ready', async () => constant);

app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
