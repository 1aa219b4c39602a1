import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { kafkaService, type KafkaService } from './services.ts';

/**
 * For a Kafka test file: the broker (null where none is available here), and temp dirs to remove,
 * all disposed of after the file's tests.
 */
export async function kafkaForSuite(): Promise<{ service: KafkaService | null; removeAfter(dir: string): void }> {
  const service = await kafkaService();
  const dirs: string[] = [];
  afterAll(async () => {
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    await service?.dispose();
  }, 60_000);
  return { service, removeAfter: (dir) => void dirs.push(dir) };
}
