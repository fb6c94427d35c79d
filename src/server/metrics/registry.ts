import { collectDefaultMetrics, Registry } from 'prom-client'

/**
 * prom-client's standard process and Node.js metrics (`process_*`, `nodejs_*`), collected once
 * per process: collecting them starts an event-loop monitor and a GC observer that live as long
 * as the process, and every app in it reports the same process anyway.
 */
let processMetrics: Registry | undefined

/**
 * The one registry an app's `GET /metrics` reads: empty but for the process metrics, which the
 * app's own counters, histograms and gauges join.
 */
export function createRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry()
    collectDefaultMetrics({ register: processMetrics })
  }
  const registry = new Registry()
  for (const { name } of processMetrics.getMetricsAsArray()) {
    const metric = processMetrics.getSingleMetric(name)
    if (metric !== undefined) registry.registerMetric(metric)
  }
  return registry
}
