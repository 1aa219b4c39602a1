/** Bad usage or bad input: exit code 2 with a one-line reason (CONTRACT.md "Exit codes"). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: pulsecoach <command> [options]

commands:
  start [--mode embedded|kafka] [--no-sim] [--seed N] [--port N] [--data-dir DIR]   every role in one process
  run <role> [<role>…]        roles: ingest, processor, inference, coach, sink, api
  migrate                     create or upgrade the history tables (also done at start); in kafka mode
                              also the topics, and their value schemas in the registry
  simulate --users N [--rate HZ] [--duration S] [--floor ID] [--seed N] [--no-faults] [--fast] [--target URL --token T | --kafka]
                              realistic athletes with device faults: NDJSON on stdout, posted to a server, or produced to Kafka
  token --role device|athlete|floor|coach|admin [--user U] [--floor F] [--device D] [--ttl 12h]
  analyze <file> [--age N --sex m|f --rest BPM --max BPM] [--rr-correction auto|none] [--zone-basis max|reserve] [--json]
                              features of one recording: CSV, JSON, FIT, TCX or an RR list
  bench [--only embedded,log,windowing,sink,kafka] [--json FILE] [--users N --rate HZ --seconds S --warmup S] [--heap-snapshot FILE]
  help [<command>]            this text, or one command's (also <command> --help)
  version

Configuration comes from the environment (PULSE_*, see README) and flags override it.
Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.`;

/** One command's lines of USAGE (with their continuation lines); null for an unknown command. */
export function usageOf(command: string): string | null {
  const lines = USAGE.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  ${command} `) || l === `  ${command}`);
  if (at < 0) return null;
  let end = at + 1;
  while (end < lines.length && lines[end]!.startsWith('    ')) end++;
  // (the synopsis and its description, on one line in the table, on two here)
  const [synopsis, ...said] = lines[at]!.trim().split(/ {3,}/);
  return [`usage: pulsecoach ${synopsis}`, ...said, ...lines.slice(at + 1, end).map((l) => l.trim())].join('\n  ');
}
