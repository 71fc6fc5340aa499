/**
 * OpenTelemetry SDK pieces for the tests: a tracer provider exporting to memory, a meter provider read on
 * demand, and look-ups over what they recorded.
 */
import type { Attributes } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader, type HistogramMetricData, type MetricData, type SumMetricData } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** A metric reader collected by hand (`collect()`), cumulative. */
export class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** A tracer provider whose ended spans land in `exporter`. */
export function memoryTracing(): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  return { provider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), exporter };
}

/** A meter provider read through `reader.collect()`. */
export function memoryMetrics(): { provider: MeterProvider; reader: CollectingReader } {
  const reader = new CollectingReader();
  return { provider: new MeterProvider({ readers: [reader] }), reader };
}

/** Every metric collected now, by name. */
export async function collect(reader: MetricReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
  return out;
}

/** The data points of a histogram whose attributes include `match`. */
export function histogramPoints(metric: MetricData | undefined, match: Attributes = {}): { count: number; sum: number; attributes: Attributes }[] {
  if (!metric || metric.dataPointType !== DataPointType.HISTOGRAM) return [];
  return (metric as HistogramMetricData).dataPoints.filter((p) => includes(p.attributes, match)).map((p) => ({ count: p.value.count, sum: p.value.sum ?? 0, attributes: p.attributes }));
}

/** The sum of a counter's data points whose attributes include `match`. */
export function counterTotal(metric: MetricData | undefined, match: Attributes = {}): number {
  if (!metric || metric.dataPointType !== DataPointType.SUM) return 0;
  return (metric as SumMetricData).dataPoints.filter((p) => includes(p.attributes, match)).reduce((total, p) => total + p.value, 0);
}

function includes(attributes: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([key, value]) => attributes[key] === value);
}

/** Span start/end as epoch ms. */
export const startMs = (span: ReadableSpan): number => span.startTime[0] * 1000 + span.startTime[1] / 1e6;
export const endMs = (span: ReadableSpan): number => span.endTime[0] * 1000 + span.endTime[1] / 1e6;
