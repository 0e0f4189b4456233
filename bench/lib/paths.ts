import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The repository root (bench/lib/../..). */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(REPO, 'bench', 'results');

/** Addresses of the services the peers need; the same defaults as the tests. */
export const PG_URL = process.env.WEFT_BENCH_DATABASE_URL ?? process.env.WEFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_HOST = process.env.WEFT_BENCH_REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.WEFT_BENCH_REDIS_PORT ?? 6379);
