import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The deployment descriptions (docker-compose.yml, deploy/k8s, deploy/prometheus, deploy/grafana)
 * checked as files: no Docker or cluster is needed.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const roles = ['ingest', 'processor', 'inference', 'coach', 'sink', 'api'] as const;

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML/JSON documents are walked untyped */
type Doc = any;

describe('docker-compose.yml', () => {
  // compose merges `<<:` keys and resolves `*anchors`; so does yaml with merge: true
  const compose: Doc = parse(read('docker-compose.yml'), { merge: true });
  const services: Record<string, Doc> = compose.services;

  it('has the Kafka stack and one service per role', () => {
    expect(Object.keys(services).sort()).toEqual(
      [...roles, 'kafka', 'registry', 'clickhouse', 'prometheus', 'grafana', 'pulsecoach'].sort(),
    );
  });

  it.each(roles)('runs %s from deploy/Dockerfile in kafka mode with the services’ URLs', (role) => {
    const s = services[role];
    expect(s.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
    // the image's ENTRYPOINT is `node bin/pulsecoach.js`: the command is its arguments
    expect(s.command).toEqual(['run', role]);
    expect(s.profiles).toEqual(['kafka']);
    expect(s.environment).toMatchObject({
      PULSE_MODE: 'kafka',
      PULSE_HOST: '0.0.0.0',
      PULSE_PORT: '8080',
      KAFKA_BROKERS: 'kafka:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7',
      CLICKHOUSE_URL: 'http://clickhouse:8123',
      PULSE_AUTH_SECRET: '${PULSE_AUTH_SECRET:-}',
    });
    expect(s.healthcheck.test.join(' ')).toContain("fetch('http://127.0.0.1:8080/healthz')");
    expect(s.depends_on.kafka).toEqual({ condition: 'service_healthy' });
    expect(s.depends_on.registry).toEqual({ condition: 'service_healthy' });
    for (const dep of Object.values<Doc>(s.depends_on)) expect(dep.condition).toBe('service_healthy');
  });

  it('makes the history roles wait for ClickHouse', () => {
    expect(services.sink.depends_on.clickhouse).toEqual({ condition: 'service_healthy' });
    expect(services.api.depends_on.clickhouse).toEqual({ condition: 'service_healthy' });
  });

  it('lets the processor scale: no container_name and no host port', () => {
    const p = services.processor;
    expect(p.container_name).toBeUndefined();
    expect(p.ports).toBeUndefined();
    for (const s of Object.values(services)) expect(s.container_name).toBeUndefined();
  });

  it('publishes api and ingest on loopback host ports of their own, apart from the embedded service (also started)', () => {
    expect(services.api.ports).toEqual(['127.0.0.1:8082:8080']);
    expect(services.ingest.ports).toEqual(['127.0.0.1:8081:8080']);
    const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []) as string[]);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('runs Kafka as a single KRaft broker + controller advertised as kafka:9092', () => {
    const k = services.kafka;
    expect(k.image).toMatch(/^apache\/kafka:4\./);
    expect(k.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(k.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${k.environment.KAFKA_NODE_ID}@kafka:9093`);
    expect(k.environment.KAFKA_ADVERTISED_LISTENERS.split(',')).toContain('PLAINTEXT://kafka:9092');
    expect(k.environment.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    // a KRaft cluster id is 16 bytes, base64url without padding
    expect(Buffer.from(k.environment.CLUSTER_ID, 'base64url')).toHaveLength(16);
    expect(k.healthcheck.test.join(' ')).toContain('--bootstrap-server localhost:9092');
    // enough partitions for three processor replicas to share
    expect(k.environment.KAFKA_NUM_PARTITIONS).toBeGreaterThanOrEqual(3);
    expect(Number(services.processor.environment.PULSE_PARTITIONS)).toBe(k.environment.KAFKA_NUM_PARTITIONS);
  });

  it('runs the Apicurio registry and ClickHouse with the credentials the roles use', () => {
    expect(services.registry.image).toMatch(/^apicurio\/apicurio-registry:3\./);
    expect(services.registry.healthcheck.test.join(' ')).toContain('/health/ready');
    const ch = services.clickhouse;
    expect(ch.image).toMatch(/^clickhouse\/clickhouse-server:/);
    expect(ch.environment.CLICKHOUSE_USER).toBe(services.sink.environment.CLICKHOUSE_USER);
    expect(ch.environment.CLICKHOUSE_PASSWORD).toBe(services.sink.environment.CLICKHOUSE_PASSWORD);
    expect(ch.environment.CLICKHOUSE_DB).toBe(services.sink.environment.CLICKHOUSE_DATABASE);
    expect(ch.volumes).toContain('clickhouse-data:/var/lib/clickhouse');
  });

  it('mounts the Prometheus config and the Grafana provisioning from deploy/', () => {
    expect(services.prometheus.volumes).toContain(
      './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining([
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/grafana/dashboards:/etc/grafana/dashboards:ro',
      ]),
    );
    const provider = parse(read('deploy/grafana/provisioning/dashboards/pulsecoach.yml'));
    expect(provider.providers[0].options.path).toBe('/etc/grafana/dashboards');
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml'));
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090' });
  });

  it('runs the embedded single-process service by default and the Kafka stack only under its profile', () => {
    const e = services.pulsecoach;
    expect(e.profiles).toBeUndefined();
    for (const [name, s] of Object.entries(services))
      if (name !== 'pulsecoach') expect(s.profiles, name).toEqual(['kafka']);
    expect(e.build.dockerfile).toBe('deploy/Dockerfile');
    expect(e.command).toEqual(['start']);
    expect(read('deploy/Dockerfile')).toMatch(/^FROM node:20/m);
    expect(e.environment.PULSE_MODE).toBeUndefined();
    expect(e.volumes).toEqual(['pulsecoach-data:/data']);
    expect(Object.keys(compose.volumes)).toContain('pulsecoach-data');
  });

  it('names only declared services in depends_on and only declared volumes', () => {
    for (const s of Object.values(services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) expect(services).toHaveProperty(dep);
      for (const v of s.volumes ?? []) {
        const source = String(v).split(':')[0]!;
        if (!source.startsWith('.')) expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  const config: Doc = parse(read('deploy/prometheus/prometheus.yml'));

  it.each(roles)('scrapes every %s replica on /metrics port 8080', (role) => {
    const job = config.scrape_configs.find((j: Doc) => j.job_name === role);
    expect(job).toBeDefined();
    expect(job.metrics_path).toBe('/metrics');
    // DNS discovery: one A record per replica, so `--scale processor=3` gives three targets
    expect(job.dns_sd_configs).toEqual([expect.objectContaining({ names: [role], type: 'A', port: 8080 })]);
  });
});

/** Metric names declared in platform/metrics.ts, read from its source. */
function declaredMetrics(): Set<string> {
  const source = read('platform/metrics.ts');
  const names = [...source.matchAll(/name: '(pulsecoach_[a-z0-9_]+)'/g)].map((m) => m[1]!);
  expect(names.length).toBeGreaterThanOrEqual(10);
  return new Set(names);
}

describe('deploy/grafana/dashboards/pulsecoach.json', () => {
  const dashboard: Doc = JSON.parse(read('deploy/grafana/dashboards/pulsecoach.json'));
  const exprs: string[] = dashboard.panels.flatMap((p: Doc) => p.targets.map((t: Doc) => t.expr));

  it('queries only metrics that platform/metrics.ts declares', () => {
    const declared = declaredMetrics();
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/pulsecoach_[a-z0-9_]+/g)].map((m) => m[0])));
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) {
      // a histogram's series are <name>_bucket, _sum and _count
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(declared.has(name) || declared.has(base), `${name} is not declared in platform/metrics.ts`).toBe(true);
    }
  });

  it('shows lag per group, the DLQ rate, records in/out, the batch latency histogram and sink rows', () => {
    const expr = (title: string) => {
      const panel = dashboard.panels.find((p: Doc) => p.title === title);
      expect(panel, title).toBeDefined();
      return panel.targets.map((t: Doc) => t.expr).join('\n');
    };
    expect(expr('Consumer lag per group')).toBe('max by (group) (pulsecoach_consumer_lag_records)');
    expect(expr('DLQ / rejected rate')).toContain('rate(pulsecoach_rejected_total[1m])');
    expect(expr('Records in')).toContain('rate(pulsecoach_records_in_total[1m])');
    expect(expr('Records out')).toContain('rate(pulsecoach_records_out_total[1m])');
    expect(expr('Batch latency p50 / p99')).toContain(
      'histogram_quantile(0.99, sum by (le, stage) (rate(pulsecoach_batch_seconds_bucket[5m])))',
    );
    expect(expr('Batch latency histogram')).toBe('sum by (le) (rate(pulsecoach_batch_seconds_bucket[1m]))');
    expect(expr('Sink rows written')).toBe('sum by (table) (rate(pulsecoach_sink_rows_total[1m]))');
    expect(expr('Sink insert failures and skips')).toContain('pulsecoach_sink_insert_failures_total');
  });

  it('uses the provisioned Prometheus data source and distinct panel ids', () => {
    for (const p of dashboard.panels) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
      for (const t of p.targets) expect(t.expr).not.toMatch(/\$\{?datasource/);
    }
    const ids = dashboard.panels.map((p: Doc) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid).toBe('pulsecoach');
  });
});

describe('deploy/k8s', () => {
  const dir = join(root, 'deploy/k8s');
  const yamlFiles = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const parsed = yamlFiles.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => ({ file: f, doc: d })),
  );
  const docs: Doc[] = parsed.map(({ file, doc }) => ({ ...doc.toJS(), __file: file }));
  const ofKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const kustomization = docs.find((d) => d.kind === 'Kustomization');
  const configMap = ofKind('ConfigMap')[0];
  const secret = ofKind('Secret')[0];
  const deployments = ofKind('Deployment');
  const deploymentOf = (role: string) =>
    deployments.find((d) => d.spec.template.metadata.labels['app.kubernetes.io/component'] === role);

  it('parses every manifest without errors', () => {
    for (const { file, doc } of parsed) expect(doc.errors, file).toEqual([]);
    expect(docs.filter((d) => typeof d.apiVersion !== 'string' || typeof d.kind !== 'string')).toEqual([]);
  });

  it('the kustomization lists every manifest file, and only those', () => {
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    const manifests = yamlFiles.filter((f) => f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifests);
    expect(manifests.length).toBeGreaterThanOrEqual(9);
  });

  it('puts everything in the namespace it creates', () => {
    const ns = ofKind('Namespace');
    expect(ns).toHaveLength(1);
    expect(kustomization.namespace).toBe(ns[0].metadata.name);
  });

  it('keeps the non-secret config in a ConfigMap and the secrets in a placeholder Secret', () => {
    expect(configMap.data).toMatchObject({ PULSE_MODE: 'kafka', PULSE_HOST: '0.0.0.0', PULSE_PORT: '8080' });
    for (const key of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'CLICKHOUSE_URL'])
      expect(configMap.data[key]).toBeTruthy();
    expect(configMap.data.SCHEMA_REGISTRY_URL).toMatch(/^http:\/\/.+\/apis\/ccompat\/v7$/);
    expect(configMap.data.CLICKHOUSE_URL).toMatch(/^https?:\/\/.+:8123$/);
    expect(configMap.data).not.toHaveProperty('PULSE_AUTH_SECRET');
    expect(configMap.data).not.toHaveProperty('CLICKHOUSE_PASSWORD');
    // every ConfigMap value must be a string for Kubernetes
    for (const v of Object.values(configMap.data)) expect(typeof v).toBe('string');
    expect(Object.keys(secret.stringData).sort()).toEqual(['CLICKHOUSE_PASSWORD', 'PULSE_AUTH_SECRET']);
    for (const v of Object.values<string>(secret.stringData)) expect(v).toMatch(/^CHANGE-ME/);
    expect(secret.stringData.PULSE_AUTH_SECRET.length).toBeGreaterThanOrEqual(16);
    expect(read('deploy/k8s/secret.yaml')).toMatch(/TEMPLATE/);
  });

  it('has exactly one Deployment per role', () => {
    expect(deployments.map((d) => d.spec.template.metadata.labels['app.kubernetes.io/component']).sort()).toEqual(
      [...roles].sort(),
    );
  });

  it.each(roles)('%s: probes, config from the ConfigMap and Secret, resources', (role) => {
    const d = deploymentOf(role);
    expect(d.metadata.name).toBe(`pulsecoach-${role}`);
    expect(d.spec.selector.matchLabels).toEqual(d.spec.template.metadata.labels);
    const [c, ...others] = d.spec.template.spec.containers;
    expect(others).toEqual([]);
    expect(c.args).toEqual(['run', role]);
    expect(kustomization.images.map((i: Doc) => i.name)).toContain(c.image);
    const port = c.ports.find((p: Doc) => p.name === 'http');
    expect(port.containerPort).toBe(8080);
    expect(port.containerPort).toBe(Number(configMap.data.PULSE_PORT));
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
    for (const kind of ['requests', 'limits']) {
      expect(c.resources[kind].cpu, `${role} ${kind}.cpu`).toBeTruthy();
      expect(c.resources[kind].memory, `${role} ${kind}.memory`).toMatch(/^\d+(Mi|Gi)$/);
    }
    const pod = d.spec.template;
    expect(pod.metadata.annotations['prometheus.io/port']).toBe('8080');
    expect(pod.metadata.annotations['prometheus.io/path']).toBe('/metrics');
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('runs three processor replicas, with a comment on idle replicas, and an HPA within the partitions', () => {
    const p = deploymentOf('processor');
    expect(p.spec.replicas).toBe(3);
    expect(read(`deploy/k8s/${p.__file}`)).toMatch(/replicas beyond the .*partition count[\s\S]*sit idle/i);
    const hpa = ofKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === p.metadata.name);
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(Number(configMap.data.PULSE_PARTITIONS));
  });

  it('exposes api and ingest through Services that select their pods', () => {
    const services = ofKind('Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['pulsecoach-api', 'pulsecoach-ingest']);
    for (const s of services) {
      const role = s.spec.selector['app.kubernetes.io/component'];
      expect(['api', 'ingest']).toContain(role);
      expect(deploymentOf(role).spec.template.metadata.labels).toEqual(s.spec.selector);
      expect(s.spec.ports[0].targetPort).toBe('http');
    }
  });

  it('README says how to apply and how to run at scale', () => {
    const readme = read('deploy/k8s/README.md');
    expect(readme).toContain('kubectl apply -k deploy/k8s');
    expect(readme).toMatch(/^## Running at scale$/m);
    for (const metric of [
      'pulsecoach_consumer_lag_records',
      'rate(pulsecoach_rejected_total[1m])',
      'pulsecoach_sink_insert_failures_total',
      'pulsecoach_batch_seconds',
    ])
      expect(readme).toContain(metric);
    expect(readme).toMatch(/external/i);
  });
});
