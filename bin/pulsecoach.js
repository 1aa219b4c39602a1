#!/usr/bin/env -S node --max-semi-space-size=64
// The pulsecoach CLI. TypeScript runs directly through tsx's loader: no build step between
// `npm install` and `npm start`. Node runs it with 64 MB young-generation semi-spaces (16 MB by
// default), here, in the npm scripts and in the image's NODE_OPTIONS: the stages allocate records
// that die within a batch, and a larger nursery collects them in fewer scavenges and promotes
// fewer of them (`pulsecoach bench --only windowing`: 10-20 % more samples a second, measured;
// the nursery then takes 128 MB instead of 32 MB).
// (A flag on the command line wins over NODE_OPTIONS: for another size, run `node bin/pulsecoach.js`
// with a NODE_OPTIONS of your own, as the image does.)
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
const code = await main(process.argv.slice(2));
if (code !== null) process.exit(code);
