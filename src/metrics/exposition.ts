import { setImmediate as nextTurn } from "node:timers/promises";
import { Registry } from "prom-client";
import type { TextFamily } from "./text-family.js";

/** A rendered scrape: body and the Content-Type it must be served with. */
export interface Exposition {
  contentType: string;
  body: Buffer;
  /**
   * The body in the pieces it was built from (`body` is their concatenation). A family whose
   * counts did not change returns the same Buffer as last time, which lets encoders cache per piece.
   */
  parts: Buffer[];
}

const queues = new WeakMap<Registry, Promise<unknown>>();

/** prom-client's rendering of one metric (public in its JavaScript, absent from its types). */
type RendersOne = { getMetricsAsString(metric: unknown): Promise<string> };

/**
 * What `registry.metrics()` returns, rendered one metric per turn of the event loop: with a
 * thousand environments prom-client's families hold about 90,000 series and take hundreds of
 * milliseconds to render, which `metrics()` does in one go (every metric's string is built in
 * the same run of microtasks). Here the loop waits at most the largest metric. OpenMetrics'
 * counter names are dropped of `_total` first, as `metrics()` does (the caller restores them).
 */
async function renderRegistry(registry: Registry, openMetrics: boolean): Promise<string> {
  const texts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    const m = metric as unknown as { name: string; type: unknown };
    if (openMetrics && String(m.type) === "counter") m.name = m.name.replace(/_total$/, "");
    await nextTurn();
    texts.push(await (registry as unknown as RendersOne).getMetricsAsString(metric));
  }
  return openMetrics ? `${texts.join("\n")}\n# EOF\n` : `${texts.join("\n\n")}\n`;
}

/** True when the Accept header prefers OpenMetrics (as Prometheus' scrape requests do). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

/**
 * Renders the registry in the Prometheus text format or OpenMetrics. prom-client switches format
 * per registry and, when rendering OpenMetrics, rewrites counter names in place (dropping
 * `_total`); so renders are serialised and the names restored afterwards, which lets one registry
 * answer both formats without a scrape ever seeing the other's names.
 */
export function renderExposition(
  registry: Registry,
  openMetrics: boolean,
  families: readonly TextFamily[] = [],
): Promise<Exposition> {
  const run = async (): Promise<Exposition> => {
    if (!openMetrics) {
      const parts = [
        Buffer.from(await renderRegistry(registry, false)),
        ...families.map((f) => f.render(false)),
      ];
      return { contentType: registry.contentType, body: Buffer.concat(parts), parts };
    }
    const counters = registry.getMetricsAsArray().filter((m) => String(m.type) === "counter") as unknown as {
      name: string;
    }[];
    const names = counters.map((m) => m.name);
    const switchable = registry as unknown as { setContentType(type: string): void };
    switchable.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    try {
      const text = await renderRegistry(registry, true);
      // prom-client ends OpenMetrics with `# EOF`; our families go before it.
      const eof = text.lastIndexOf("# EOF");
      const head = Buffer.from(eof < 0 ? text : text.slice(0, eof));
      const extra = families.map((f) => f.render(true));
      const parts = [head, ...extra, Buffer.from("# EOF\n")];
      return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body: Buffer.concat(parts), parts };
    } finally {
      switchable.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
      counters.forEach((m, i) => {
        m.name = names[i] as string;
      });
    }
  };
  const result = (queues.get(registry) ?? Promise.resolve()).then(run, run);
  // Settles to undefined: the queue must not keep the last (possibly large) body alive.
  queues.set(
    registry,
    result.then(
      () => undefined,
      () => undefined,
    ),
  );
  return result;
}
