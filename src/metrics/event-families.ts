import { BufferWriter } from "./buffer-writer.js";
import type { CountLabels, EventCounts, FeedView } from "./feed-view.js";
import { escapeLabelValue, familyHeader, type TextFamily } from "./text-family.js";

const EVENTS_HELP =
  "Events in the window now: open events, plus closed events whose end lies within EVENTS_WINDOW. Moves at every successful drain.";
const OBSERVED_HELP =
  "Distinct events first seen by this process after its start; events already in the window at start-up are the baseline and not counted.";

/** The encoded labels of one label set (one buffer: 3 per set would triple the memory). */
interface SeriesPrefix {
  /** The label set they were encoded for: a released id reused by another set re-encodes. */
  dims: CountLabels;
  /** `environment="..",event_type="..",severity_level="..",impact_level=".."` */
  labels: Buffer;
}

const EVENTS_OPEN = Buffer.from("dynatrace_events{");
const OPEN_TAIL = Buffer.from(',status="OPEN"} ');
const CLOSED_TAIL = Buffer.from(',status="CLOSED"} ');
const OBSERVED_HEAD = Buffer.from("dynatrace_events_observed_total{");
const OBSERVED_TAIL = Buffer.from("} ");

/** Per label set id; undefined where the id is free. */
type SeriesPrefixes = (SeriesPrefix | undefined)[];

interface Rendered {
  openMetrics: boolean;
  /** The stores' change counters when rendered. */
  versions: number[];
  /** When a zero count that was rendered stops being exported. */
  validUntil: number;
  body: Buffer;
}

/**
 * `dynatrace_events` and `dynatrace_events_observed_total`, rendered from the event stores at
 * scrape time. Each series' name and labels are encoded once per label set; a render copies
 * bytes. Counts change only when a drain changes them, so the last render is served again until a
 * store reports a change or a retained zero expires.
 */
export class EventFamilies implements TextFamily {
  private readonly prefixes = new WeakMap<EventCounts, SeriesPrefixes>();
  private readonly headers = new Map<boolean, { events: Buffer; observed: Buffer }>();
  private last: Rendered | undefined;

  constructor(private readonly views: () => Iterable<FeedView>) {}

  render(openMetrics: boolean): Buffer {
    const views = [...this.views()];
    const versions = views.map((v) => v.store.version);
    const now = views[0]?.store.now() ?? 0;
    const last = this.last;
    if (
      last?.openMetrics === openMetrics &&
      now < last.validUntil &&
      last.versions.length === versions.length &&
      last.versions.every((n, i) => n === versions[i])
    ) {
      return last.body;
    }
    const rendered = this.renderNow(openMetrics, views);
    this.last = { openMetrics, versions, ...rendered };
    return rendered.body;
  }

  private renderNow(openMetrics: boolean, views: FeedView[]): { validUntil: number; body: Buffer } {
    const header = this.header(openMetrics);
    const out = new BufferWriter((this.last?.body.length ?? 0) + 4096);
    let validUntil = Number.POSITIVE_INFINITY;
    out.bytes(header.events);
    for (const v of views) {
      const p = this.prefixesOf(v);
      const until = v.store.forEachCount(v.retainZeroMs, (id, _d, status, n) => {
        out.bytes(EVENTS_OPEN);
        out.bytes((p[id] as SeriesPrefix).labels);
        out.bytes(status === "OPEN" ? OPEN_TAIL : CLOSED_TAIL);
        out.numberLine(n);
      });
      validUntil = Math.min(validUntil, until);
    }
    out.bytes(header.observed);
    for (const v of views) {
      const p = this.prefixesOf(v);
      v.store.forEachObserved((id, n) => {
        out.bytes(OBSERVED_HEAD);
        out.bytes((p[id] as SeriesPrefix).labels);
        out.bytes(OBSERVED_TAIL);
        out.numberLine(n);
      });
    }
    // A copy, so that the next render's writer can never reuse these bytes.
    return { validUntil, body: Buffer.from(out.result()) };
  }

  private header(openMetrics: boolean) {
    let h = this.headers.get(openMetrics);
    if (h === undefined) {
      h = {
        events: Buffer.from(familyHeader("dynatrace_events", "gauge", EVENTS_HELP, openMetrics)),
        observed: Buffer.from(
          familyHeader("dynatrace_events_observed_total", "counter", OBSERVED_HELP, openMetrics),
        ),
      };
      this.headers.set(openMetrics, h);
    }
    return h;
  }

  /**
   * Encoded prefixes per label set id, brought up to date with the store's label sets: new and
   * reused ids are encoded, released ones dropped (so their bytes are freed with them).
   */
  private prefixesOf(v: FeedView): SeriesPrefixes {
    let p = this.prefixes.get(v.store);
    if (p === undefined) this.prefixes.set(v.store, (p = []));
    const env = `environment="${escapeLabelValue(v.environment)}"`;
    const sets = v.store.labelSets;
    for (let id = 0; id < Math.max(sets.count, p.length); id++) {
      const d = id < sets.count ? sets.find(id) : undefined;
      if (p[id]?.dims === d) continue;
      p[id] = d === undefined ? undefined : encode(env, d);
    }
    p.length = sets.count;
    return p;
  }
}

function encode(env: string, d: CountLabels): SeriesPrefix {
  const labels = `${env},event_type="${escapeLabelValue(d.eventType)}",severity_level="${escapeLabelValue(d.severityLevel)}",impact_level="${escapeLabelValue(d.impactLevel)}"`;
  return { dims: d, labels: Buffer.from(labels) };
}
