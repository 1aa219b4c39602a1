/** Bad usage or bad input: exit code 2 with a one-line reason (CONTRACT.md "Exit codes"). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: pulsecoach <command> [options]

commands:
  start [--mode embedded|kafka] [--no-sim] [--port N] [--data-dir DIR]   every role in one process
  run <role> [<role>…]        roles: ingest, processor, inference, coach, sink, api
  migrate                     create or upgrade the ClickHouse history tables (also done at start)
  simulate --users N [--rate HZ] [--duration S] [--floor ID] [--seed N] [--target URL --token T] [--fast]
  token --role device|athlete|floor|coach|admin [--user U] [--floor F] [--device D] [--ttl 12h]
  analyze <file> [--age N --sex m|f --rest BPM --max BPM] [--rr-correction auto|none] [--zone-basis max|reserve] [--json]
                              features of one recording: CSV, JSON, FIT, TCX or an RR list
  bench [--only embedded,log] [--json FILE] [--users N --rate HZ --seconds S --warmup S]
  help

Configuration comes from the environment (PULSE_*, see README) and flags override it.
Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.`;
