declare module 'parse-prometheus-text-format' {
  /** Metric families of a Prometheus text exposition; throws on malformed input. */
  export default function parse(text: string): unknown[];
}
