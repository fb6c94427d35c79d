/**
 * A small metrics registry that writes the Prometheus text exposition format (version 0.0.4):
 * counters, histograms, and gauges read at scrape time.
 */

export type Labels = Record<string, string>

interface Metric {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  /** The sample lines, without HELP and TYPE. */
  samples(): string[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Label values escape backslash, double quote and line feed. */
export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/** HELP text escapes backslash and line feed. */
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

/** Go-style float text: `+Inf`, `-Inf`, `NaN`, otherwise the shortest round-trip form. */
export const formatValue = (value: number): string => {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return ''
  return `{${names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`).join(',')}}`
}

function checkNames(name: string, labelNames: readonly string[]): void {
  if (!NAME.test(name)) throw new Error(`Invalid metric name ${name}.`)
  for (const label of labelNames) {
    if (!LABEL.test(label) || label.startsWith('__')) {
      throw new Error(`Invalid label name ${label} on ${name}.`)
    }
  }
}

/** Label values in the order of the metric's label names; a key holds them joined. */
function valuesOf(names: readonly string[], labels: Labels): string[] {
  return names.map((name) => labels[name] ?? '')
}
const keyOf = (values: readonly string[]): string => JSON.stringify(values)

export class Counter implements Metric {
  readonly type = 'counter'
  readonly #series = new Map<string, { values: string[]; count: number }>()

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {
    checkNames(name, labelNames)
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`A counter only goes up; ${this.name} got ${by}.`)
    const values = valuesOf(this.labelNames, labels)
    const key = keyOf(values)
    const series = this.#series.get(key)
    if (series === undefined) this.#series.set(key, { values, count: by })
    else series.count += by
  }

  get(labels: Labels = {}): number {
    return this.#series.get(keyOf(valuesOf(this.labelNames, labels)))?.count ?? 0
  }

  samples(): string[] {
    return [...this.#series.values()].map(
      ({ values, count }) =>
        `${this.name}${formatLabels(this.labelNames, values)} ${formatValue(count)}`,
    )
  }
}

/** Bucket upper bounds in seconds, from 5 ms to 10 s: the prom-client defaults. */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export class Histogram implements Metric {
  readonly type = 'histogram'
  readonly buckets: readonly number[]
  readonly #series = new Map<
    string,
    { values: string[]; counts: number[]; sum: number; count: number }
  >()

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
    buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {
    if (labelNames.includes('le')) throw new Error(`${name}: "le" is reserved for buckets.`)
    checkNames(name, labelNames)
    this.buckets = [...new Set(buckets)].filter((b) => Number.isFinite(b)).sort((a, b) => a - b)
  }

  observe(labels: Labels, value: number): void {
    const values = valuesOf(this.labelNames, labels)
    const key = keyOf(values)
    let series = this.#series.get(key)
    if (series === undefined) {
      series = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    // Counts are kept per bucket and made cumulative when written; past the last bound a value
    // lands only in +Inf, which is the total count.
    const index = this.buckets.findIndex((bound) => value <= bound)
    if (index >= 0) series.counts[index]! += 1
    series.sum += value
    series.count += 1
  }

  samples(): string[] {
    const lines: string[] = []
    const names = [...this.labelNames, 'le']
    for (const { values, counts, sum, count } of this.#series.values()) {
      let cumulative = 0
      this.buckets.forEach((bound, i) => {
        cumulative += counts[i] ?? 0
        const labels = formatLabels(names, [...values, formatValue(bound)])
        lines.push(`${this.name}_bucket${labels} ${cumulative}`)
      })
      lines.push(`${this.name}_bucket${formatLabels(names, [...values, '+Inf'])} ${count}`)
      const own = formatLabels(this.labelNames, values)
      lines.push(`${this.name}_sum${own} ${formatValue(sum)}`)
      lines.push(`${this.name}_count${own} ${count}`)
    }
    return lines
  }
}

/** A gauge or counter whose samples are read when scraped (pool sizes, process figures). */
export class Collected implements Metric {
  constructor(
    readonly type: 'gauge' | 'counter',
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly collect: () => { labels?: Labels; value: number }[],
  ) {
    checkNames(name, labelNames)
  }

  samples(): string[] {
    return this.collect().map(({ labels = {}, value }) => {
      const formatted = formatLabels(this.labelNames, valuesOf(this.labelNames, labels))
      return `${this.name}${formatted} ${formatValue(value)}`
    })
  }
}

/** Metrics by name, written in the order they were registered. */
export class Registry {
  readonly #metrics = new Map<string, Metric>()

  register<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new Error(`Metric ${metric.name} already exists.`)
    this.#metrics.set(metric.name, metric)
    return metric
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames))
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets?: readonly number[],
  ): Histogram {
    return this.register(new Histogram(name, help, labelNames, buckets))
  }

  /** A gauge (or a counter kept elsewhere) read by `collect` at every scrape. */
  collected(
    type: Collected['type'],
    name: string,
    help: string,
    labelNames: readonly string[],
    collect: Collected['collect'],
  ): Collected {
    return this.register(new Collected(type, name, help, labelNames, collect))
  }

  /** The exposition text; `Content-Type: text/plain; version=0.0.4`. */
  expose(): string {
    const lines: string[] = []
    for (const metric of this.#metrics.values()) {
      lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`)
      lines.push(`# TYPE ${metric.name} ${metric.type}`)
      lines.push(...metric.samples())
    }
    return `${lines.join('\n')}\n`
  }
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
