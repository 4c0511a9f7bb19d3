import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil as harnessWaitUntil } from '../helpers/harness.ts';

const run = promisify(execFile);

/** Servers still running; killed when the test process exits, whatever happened to its cleanup. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Ports for throwaway servers: 17000-17999 (the brief's range), free ones picked at random. */
export async function freePorts(
  count: number,
  span = 1,
  options: { clusterBus?: boolean } = {},
): Promise<number[]> {
  const found: number[] = [];
  for (let tries = 0; found.length < count && tries < 500; tries += 1) {
    const base = 17000 + Math.floor(Math.random() * (1000 - span));
    const range = Array.from({ length: span }, (_, i) => base + i);
    // A cluster node also listens on its port + 10000 (the cluster bus).
    if (options.clusterBus) range.push(...range.map((p) => p + 10_000));
    if (range.some((p) => found.some((f) => Math.abs(f - p) < span))) continue;
    if ((await Promise.all(range.map(isFree))).every(Boolean)) found.push(base);
  }
  if (found.length < count) throw new Error('no free ports in 17000-17999');
  return found;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** redis-cli against a port; resolves with stdout. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 20_000,
  });
  return stdout.trim();
}

/** A redis-server (or redis-server --sentinel) child process in its own temp dir, no persistence. */
export class RedisProcess {
  readonly port: number;
  readonly dir: string;
  private child: ChildProcess | undefined;
  private readonly extra: string[];
  private readonly sentinelConfig: string | undefined;

  constructor(port: number, options: { args?: string[]; dir?: string; sentinelConfig?: string } = {}) {
    this.port = port;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), `tw-redis-${port}-`));
    this.extra = options.args ?? [];
    this.sentinelConfig = options.sentinelConfig;
  }

  async start(): Promise<void> {
    const base = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
    ];
    let args = [...base, ...this.extra];
    if (this.sentinelConfig !== undefined) {
      const file = join(this.dir, 'sentinel.conf');
      await import('node:fs/promises').then((fs) => fs.writeFile(file, this.sentinelConfig as string));
      args = [file, '--sentinel', '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    }
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += String(d)));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on ${this.port} exited: ${stderr}`);
      try {
        if ((await redisCli(this.port, 'PING')) === 'PONG') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the server at once (SIGKILL: a crash, nothing flushed). */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One master, one replica and one Sentinel watching them as `mymaster`, on loopback ports. */
export class SentinelTopology {
  readonly masterName = 'mymaster';
  readonly master: RedisProcess;
  readonly replica: RedisProcess;
  readonly sentinel: RedisProcess;

  constructor(ports: { master: number; replica: number; sentinel: number }) {
    this.master = new RedisProcess(ports.master);
    this.replica = new RedisProcess(ports.replica, {
      args: ['--replicaof', '127.0.0.1', String(ports.master)],
    });
    this.sentinel = new RedisProcess(ports.sentinel, {
      sentinelConfig: [
        `port ${ports.sentinel}`,
        `sentinel monitor ${this.masterName} 127.0.0.1 ${ports.master} 1`,
        `sentinel down-after-milliseconds ${this.masterName} 1000`,
        `sentinel failover-timeout ${this.masterName} 3000`,
        `sentinel parallel-syncs ${this.masterName} 1`,
        '',
      ].join('\n'),
    });
  }

  get sentinels(): string[] {
    return [`127.0.0.1:${this.sentinel.port}`];
  }

  async start(): Promise<void> {
    await this.master.start();
    await this.replica.start();
    await waitUntil(
      async () => /master_link_status:up/.test(await redisCli(this.replica.port, 'INFO', 'replication')),
      'replica in sync',
    );
    await this.sentinel.start();
    await waitUntil(
      async () => /slaves=1/.test(await redisCli(this.sentinel.port, 'INFO', 'sentinel')),
      'sentinel to discover the replica',
    );
  }

  /** The master port the Sentinel currently names. */
  async currentMasterPort(): Promise<number> {
    const reply = await redisCli(this.sentinel.port, 'SENTINEL', 'get-master-addr-by-name', this.masterName);
    return Number(reply.split('\n')[1]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.sentinel.destroy(), this.replica.destroy(), this.master.destroy()]);
  }
}

/** Three cluster-enabled masters joined by `redis-cli --cluster create` (no replicas). */
export class ClusterTopology {
  readonly nodes: RedisProcess[];

  constructor(firstPort: number) {
    this.nodes = [0, 1, 2].map(
      (i) =>
        new RedisProcess(firstPort + i, {
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
        }),
    );
  }

  get addresses(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`);
  }

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
    await run('redis-cli', ['--cluster', 'create', ...this.addresses, '--cluster-yes'], { timeout: 30_000 });
    for (const node of this.nodes) {
      await waitUntil(
        async () => /cluster_state:ok/.test(await redisCli(node.port, 'CLUSTER', 'INFO')),
        `cluster ok on ${node.port}`,
      );
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}

function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<boolean> {
  return harnessWaitUntil(condition, timeoutMs, what);
}
