// What a benchmark module sees of the runner (bench/run.ts). Kept in its own file so benchmark
// modules do not import the runner itself, whose top level starts a run.

/**
 * Reports one figure. The runner prints it as exactly one stdout line `<name> <value> <unit>`, so
 * stdout stays machine-readable; anything else a benchmark wants to say goes to stderr (`info`).
 */
export type Emit = (name: string, value: number, unit: string) => void;

/** The contract of a `bench/*.bench.ts` module: export `bench`, report figures through `emit`. */
export type Benchmark = (emit: Emit) => Promise<void>;

/** A progress or context line, on stderr so it never mixes with the figures. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** `globalThis.gc` when the process runs with --expose-gc (the runner arranges that), else undefined. */
export function forceGc(): boolean {
  const gc = globalThis.gc;
  if (typeof gc !== 'function') return false;
  // Two passes: the first may only queue finalizers / weak callbacks that free more on the second.
  gc();
  gc();
  return true;
}
