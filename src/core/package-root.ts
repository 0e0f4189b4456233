import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding weft's package.json. Files weft reads at run time (migrations, the built
 * dashboard) are found from here, so that they resolve the same from the TypeScript sources
 * (src/…, through tsx) and from the bundle `npm run build:server` writes (dist/weft.mjs).
 */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'storage'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`weft's package root not found above ${fileURLToPath(from)}`);
    dir = up;
  }
}
