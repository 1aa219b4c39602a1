import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configFlags, loadConfig, type ConfigFlags } from '../platform/index.ts';
import { simulateCommand } from '../ingest/index.ts';
import { demoBanner, startDemoFloor } from './demo.ts';
import { parseRoles, startRuntime, roleNames } from './runtime.ts';
import { migrateCommand } from './history.ts';
import { tokenCommand } from './token-command.ts';
import { analyzeCommand } from './analyze-command.ts';
import { USAGE, usageOf, UsageError } from './usage.ts';

const later: Record<string, string> = {
  train: 'the inference issue',
  'coach-eval': 'the coach issue',
};

function configOptions() {
  return Object.fromEntries(configFlags.map((f) => [f, { type: 'string' as const }]));
}

/** Runs one command; resolves to an exit code, or null while a server keeps running. */
export async function main(argv: string[]): Promise<number | null> {
  const [command, ...rest] = argv;
  try {
    const own = command === undefined || command === 'help' ? null : usageOf(command);
    if (own !== null && (rest.includes('--help') || rest.includes('-h'))) {
      process.stdout.write(`${own}\n`);
      return 0;
    }
    switch (command) {
      case 'start':
      case 'run': {
        const { values, positionals } = parseArgs({
          args: rest,
          strict: true,
          allowPositionals: command === 'run',
          options: { ...configOptions(), 'no-sim': { type: 'boolean' }, seed: { type: 'string' } },
        });
        const config = loadConfig(process.env, values as ConfigFlags);
        const roles = command === 'start' ? [...roleNames] : parseRoles(positionals);
        // (checked before anything starts: a usage error then leaves nothing half-started)
        if (command === 'run' && (values.seed !== undefined || values['no-sim'])) {
          throw new UsageError('--seed and --no-sim are for start (the demo floor), not run');
        }
        const seed = Number(values.seed ?? 1);
        if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${values.seed}`);
        const rt = await startRuntime(config, roles);
        rt.lifecycle.handleSignals();
        if (command === 'start') {
          const floorId = 'demo';
          let athleteId: string | undefined;
          if (!values['no-sim']) {
            const demo = await startDemoFloor(rt, { floorId, users: 24, seed });
            athleteId = demo.athletes[0]?.userId;
          }
          process.stdout.write(await demoBanner(rt, floorId, athleteId));
        }
        return null;
      }
      case 'migrate': {
        const { values } = parseArgs({ args: rest, strict: true, options: configOptions() });
        return await migrateCommand(loadConfig(process.env, values as ConfigFlags), process.stdout);
      }
      case 'simulate':
        return await simulateCommand(rest, { stdout: process.stdout, stderr: process.stderr });
      case 'token':
        return await tokenCommand(rest, process.stdout);
      case 'analyze':
        return await analyzeCommand(rest, process.stdout);
      case 'bench': {
        const { benchCommand } = await import('../bench/index.ts');
        return await benchCommand(rest, process.stdout);
      }
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic === undefined) {
          process.stdout.write(`${USAGE}\n`);
          return 0;
        }
        const text = usageOf(topic);
        if (text === null) throw new UsageError(`no command ${topic}; try pulsecoach help`);
        process.stdout.write(`${text}\n`);
        return 0;
      }
      case 'version':
      case '--version': {
        const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
          version: string;
        };
        process.stdout.write(`pulsecoach ${pkg.version}\n`);
        return 0;
      }
      case undefined:
        process.stderr.write(`${USAGE}\n`);
        return 2;
      default:
        if (later[command]) throw new UsageError(`${command} is not available yet: it arrives with ${later[command]}`);
        throw new UsageError(`unknown command ${command}; try pulsecoach help`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || isArgError(err)) {
      process.stderr.write(`pulsecoach: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`pulsecoach: ${(err as Error).message}\n`);
    return 1;
  }
}

function isArgError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
