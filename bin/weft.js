#!/usr/bin/env node
// Entry point for the `weft` command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';
register();
await import('../src/transport/cli/main.ts');
