#!/usr/bin/env node
// The pulsecoach CLI. TypeScript runs directly through tsx's loader: no build step between
// `npm install` and `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
const code = await main(process.argv.slice(2));
if (code !== null) process.exit(code);
