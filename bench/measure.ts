import { performance } from 'node:perf_hooks'

/** One side of a workload: every operation's latency, and the throughput of each pass. */
export class Recorder {
  readonly latencies: number[] = []
  /** Operations per second of each pass. */
  readonly rates: number[] = []

  /** Records one pass: its operations' latencies and the time the pass took. */
  addPass(latencies: readonly number[], elapsed_ms: number): void {
    for (const latency of latencies) this.latencies.push(latency)
    this.rates.push(latencies.length / (elapsed_ms / 1000))
  }
}

export interface Summary {
  ops: number
  /** The median pass's: one pass slowed by the rest of a shared machine does not decide it. */
  ops_per_sec: number
  p50_ms: number
  p99_ms: number
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarize(recorder: Recorder): Summary {
  const sorted = Float64Array.from(recorder.latencies).sort()
  return {
    ops: recorder.latencies.length,
    ops_per_sec: median(recorder.rates),
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
  }
}

export interface Sides<T> {
  chatkeep: T
  baseline: T
}

export type Side = keyof Sides<unknown>

/** Builds the same thing for each side. */
export function bySide<T>(build: (side: Side) => T): Sides<T> {
  return { chatkeep: build('chatkeep'), baseline: build('baseline') }
}

/** Runs `count` operations one after another, untimed: a warm-up. */
export async function repeat(count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) await op(i)
}

/**
 * One pass: operation i of both sides back to back (A B, then B A, …), each timed on its own, so
 * that drift on a shared machine (other processes, the disk) falls on both sides alike. A side's
 * throughput is its operations over the time they took.
 */
export async function interleave(
  recorders: Sides<Recorder>,
  count: number,
  ops: Sides<(i: number) => Promise<unknown>>,
): Promise<void> {
  const latencies: Sides<number[]> = { chatkeep: [], baseline: [] }
  for (let i = 0; i < count; i++) {
    const order: Side[] = i % 2 === 0 ? ['baseline', 'chatkeep'] : ['chatkeep', 'baseline']
    for (const side of order) {
      const t0 = performance.now()
      await ops[side](i)
      latencies[side].push(performance.now() - t0)
    }
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
  for (const side of ['chatkeep', 'baseline'] as const) {
    recorders[side].addPass(latencies[side], sum(latencies[side]))
  }
}

/**
 * One pass of `clients` callers sharing `total` operations, each caller waiting for its last one
 * before it starts the next; operation i goes to caller i mod clients. Throughput is over the
 * wall time. Without a recorder, a warm-up.
 */
export async function timeConcurrent(
  recorder: Recorder | null,
  clients: number,
  total: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  const latencies: number[] = []
  const started = performance.now()
  const client = async (c: number) => {
    for (let i = c; i < total; i += clients) {
      const t0 = performance.now()
      await op(i)
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)))
  recorder?.addPass(latencies, performance.now() - started)
}
