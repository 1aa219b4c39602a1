import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChdbStore, ServerStore, type Store } from '../platform/index.ts';

/**
 * Real services for integration tests (CONTRACT.md "Real services for tests"): the one named by
 * the environment, else one started here from deploy/local/, else a loud skip — except under
 * CI=true, where a missing service fails the run. (No Docker engine here, so no testcontainers.)
 */
const run = promisify(execFile);
const CLICKHOUSE_SH = fileURLToPath(new URL('../deploy/local/clickhouse.sh', import.meta.url));
const KAFKA_SH = fileURLToPath(new URL('../deploy/local/kafka.sh', import.meta.url));
const REGISTRY_SH = fileURLToPath(new URL('../deploy/local/registry.sh', import.meta.url));

export interface ClickhouseService {
  url: string;
  /** only for a server this process started: stop it cleanly / start it again on its data */
  stop?(): Promise<void>;
  start?(): Promise<void>;
  /** stops it (when started here) and removes its data */
  dispose(): Promise<void>;
}

/** every port freePorts gave this process: services started together must not share one */
const handedOut = new Set<number>();

/**
 * n distinct free ports, none handed out before in this process. All n stay bound until the last
 * is found: ports probed one after another can come back equal once the first probe is closed, and
 * a broker refuses two listeners on one port.
 */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  // a port handed out before may not be bound yet (a JVM starts in seconds): probe again
  if (ports.some((p) => handedOut.has(p))) return freePorts(n);
  for (const p of ports) handedOut.add(p);
  return ports;
}

function missing(what: string, how: string): null {
  const line = `${what} is not available (${how}): its integration tests are SKIPPED`;
  if (process.env.CI === 'true')
    throw new Error(`CI=true and ${line.replace(': its integration tests are SKIPPED', '')}`);
  console.warn(`\n!!! ${line}\n`);
  return null;
}

/** A ClickHouse server: CLICKHOUSE_URL, or Debian's clickhouse-server started in a temp dir. */
export async function clickhouseService(): Promise<ClickhouseService | null> {
  if (process.env.CLICKHOUSE_URL) return { url: process.env.CLICKHOUSE_URL, dispose: async () => undefined };
  if (!existsSync('/usr/sbin/clickhouse-server') && !existsSync('/usr/bin/clickhouse-server')) {
    return missing('ClickHouse', 'set CLICKHOUSE_URL, or apt-get install -y clickhouse-server clickhouse-client');
  }
  const dir = mkdtempSync(join(tmpdir(), 'pulse-ch-'));
  const [httpPort, tcpPort, interserverPort] = await freePorts(3);
  const env = {
    ...process.env,
    CLICKHOUSE_HTTP_PORT: String(httpPort),
    CLICKHOUSE_TCP_PORT: String(tcpPort),
    CLICKHOUSE_INTERSERVER_PORT: String(interserverPort),
  };
  const start = async () => void (await run('bash', [CLICKHOUSE_SH, 'start', dir], { env }));
  const stop = async () => void (await run('bash', [CLICKHOUSE_SH, 'stop', dir], { env }));
  await start();
  return {
    url: `http://127.0.0.1:${env.CLICKHOUSE_HTTP_PORT}`,
    start,
    stop,
    async dispose() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

export interface KafkaService {
  brokers: string[];
  /** only for a broker this process started: stop it cleanly / start it again on its data */
  stop?(): Promise<void>;
  start?(): Promise<void>;
  dispose(): Promise<void>;
}

/** A Kafka broker: KAFKA_BROKERS, or Kafka 4.x from Maven Central jars started in a temp dir. */
export async function kafkaService(): Promise<KafkaService | null> {
  if (process.env.KAFKA_BROKERS)
    return { brokers: process.env.KAFKA_BROKERS.split(','), dispose: async () => undefined };
  if (!(await hasJavaAndMaven())) {
    return missing('Kafka', 'set KAFKA_BROKERS, or install Java 17 and Maven for deploy/local/kafka.sh');
  }
  const dir = mkdtempSync(join(tmpdir(), 'pulse-kafka-'));
  const [port, controllerPort] = await freePorts(2);
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort) };
  const start = async () => void (await run('bash', [KAFKA_SH, 'start', dir], { env, maxBuffer: 16 * 1024 * 1024 }));
  const stop = async () => void (await run('bash', [KAFKA_SH, 'stop', dir], { env }));
  await start();
  return {
    brokers: [`127.0.0.1:${env.KAFKA_PORT}`],
    start,
    stop,
    async dispose() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

export interface RegistryService {
  /** the Confluent-compatible API's base URL (SCHEMA_REGISTRY_URL) */
  url: string;
  dispose(): Promise<void>;
}

/**
 * A Confluent-compatible schema registry: SCHEMA_REGISTRY_URL, or Apicurio Registry's ccompat API
 * built from Maven Central jars by deploy/local/registry.sh and started in a temp dir.
 */
export async function registryService(): Promise<RegistryService | null> {
  if (process.env.SCHEMA_REGISTRY_URL) return { url: process.env.SCHEMA_REGISTRY_URL, dispose: async () => undefined };
  if (!(await hasJavaAndMaven()))
    return missing(
      'a schema registry',
      'set SCHEMA_REGISTRY_URL, or install Java 17 and Maven for deploy/local/registry.sh',
    );
  const dir = mkdtempSync(join(tmpdir(), 'pulse-registry-'));
  const env = { ...process.env, SCHEMA_REGISTRY_PORT: String((await freePorts(1))[0]) };
  await run('bash', [REGISTRY_SH, 'start', dir], { env, maxBuffer: 16 * 1024 * 1024 });
  return {
    url: `http://127.0.0.1:${env.SCHEMA_REGISTRY_PORT}/apis/ccompat/v7`,
    async dispose() {
      await run('bash', [REGISTRY_SH, 'stop', dir], { env }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

function hasJavaAndMaven(): Promise<boolean> {
  return run('bash', ['-c', 'command -v java && command -v mvn']).then(
    () => true,
    () => false,
  );
}

/** One history engine for the suites that must pass on both (CONTRACT.md; issue "History"). */
export interface StoreBackend {
  name: 'chDB' | 'ClickHouse server';
  /** a store with an empty schema of its own; null when the engine is not available here */
  open(): Promise<Store | null>;
  /** the server this process started, for stop/start tests */
  service(): ClickhouseService | null;
  dispose(): Promise<void>;
}

/**
 * chDB in a temp dir (one per process, as chDB allows) and a ClickHouse server (a database per
 * open). For `describe.each`.
 */
export function storeBackends(): StoreBackend[] {
  const chdbDir = mkdtempSync(join(tmpdir(), 'pulse-chdb-'));
  let chdb: Store | null = null;
  let service: ClickhouseService | null | undefined;
  let databases = 0;
  return [
    {
      name: 'chDB',
      async open() {
        // one chDB per process: every open shares it (tests keep apart by user ids and log ids)
        chdb ??= ChdbStore.open(chdbDir);
        const shared = chdb;
        return Object.assign(Object.create(shared) as Store, { close: async () => undefined });
      },
      service: () => null,
      async dispose() {
        await chdb?.close();
        rmSync(chdbDir, { recursive: true, force: true });
      },
    },
    {
      name: 'ClickHouse server',
      async open() {
        if (service === undefined) service = await clickhouseService();
        if (service === null) return null;
        return ServerStore.connect({ url: service.url, database: `t${process.pid}_${++databases}` });
      },
      service: () => service ?? null,
      dispose: async () => service?.dispose(),
    },
  ];
}
