import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { kafkaService, registryService, type KafkaService, type RegistryService } from './services.ts';

/**
 * For a Kafka test file: the broker and, when asked, a schema registry (null where one is not
 * available here), and temp dirs to remove, all disposed of after the file's tests.
 */
export async function kafkaForSuite(options: { registry?: boolean } = {}): Promise<{
  service: KafkaService | null;
  registry: RegistryService | null;
  removeAfter(dir: string): void;
}> {
  const [service, registry] = await Promise.all([
    kafkaService(),
    options.registry ? registryService() : Promise.resolve(null),
  ]);
  const dirs: string[] = [];
  afterAll(async () => {
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    await Promise.all([service?.dispose(), registry?.dispose()]);
  }, 60_000);
  return { service, registry, removeAfter: (dir) => void dirs.push(dir) };
}
