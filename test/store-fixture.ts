import { afterAll, beforeAll } from 'vitest';
import { migrate, type Store } from '../platform/index.ts';
import type { StoreBackend } from './services.ts';

/**
 * For a describe block: the backend's store, opened and migrated before its tests and closed (with
 * the backend) after them. The getter answers null where the engine is not available here.
 */
export function migratedStore(backend: StoreBackend): () => Store | null {
  let store: Store | null = null;
  beforeAll(async () => {
    store = await backend.open();
    if (store) await migrate(store);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await backend.dispose();
  });
  return () => store;
}
