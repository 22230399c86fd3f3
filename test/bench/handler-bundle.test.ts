import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHandlerBundle, coldImportMs } from '../../bench/handler-bundle';

// Inside the project, whose package.json says "type": "module", as the bench builds it.
const dataDir = join(import.meta.dirname, '..', '..', 'bench', '.data');
mkdirSync(dataDir, { recursive: true });
const dir = mkdtempSync(join(dataDir, 'bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bench handler bundle', () => {
  it('loads as CommonJS, as Lambda loads it, and exports the handler it times', async () => {
    const bundle = await buildHandlerBundle(join(dir, 'handler'));
    expect(coldImportMs(bundle)).toBeGreaterThan(0);
  });

  it.each(['bench/logger-only-handler.ts', 'bench/dynamodb-client-handler.ts'])(
    'builds the reference %s the same way, and it exports a handler too',
    async (entry) => {
      const bundle = await buildHandlerBundle(join(dir, entry.replace(/\W/g, '-')), entry);
      expect(coldImportMs(bundle)).toBeGreaterThan(0);
    },
  );

  it('refuses to time a bundle that exports no handler', async () => {
    const bundle = await buildHandlerBundle(join(dir, 'no-handler'), 'contract/environment.ts');
    expect(() => coldImportMs(bundle)).toThrow(/exports no handler/);
  });
});
