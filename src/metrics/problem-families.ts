import { PROBLEM_DURATION_BUCKETS, type ProblemsView } from "./problem-view.js";
import { escapeHelp, escapeLabelValue, familyHeader, type TextFamily } from "./text-family.js";

const ZONES_NOTE =
  " With the management_zone label on, a problem in several zones counts once in each zone's series (sums over zones can exceed the number of problems).";
const PROBLEMS_HELP =
  "Problems in the window now (Problems API v2): open problems, plus closed problems whose end lies within EVENTS_WINDOW. Moves at every successful problems drain.";
const OPENED_HELP =
  "Distinct problems first seen by this process after its start; problems already open or in the window at start-up are the baseline and not counted.";
const DURATION_HELP =
  "Time to resolve: start to end of problems this process saw close (closures before its start are the baseline and not observed).";
const UP_HELP =
  "1 if the last drain of the environment's problems succeeded, else 0 (also 0 while the token lacks problems.read).";
const SCOPE_HELP =
  "1 while the problems collector is off because Dynatrace answered 403 (the token lacks problems.read); retried hourly and on reload.";

const DURATION = "dynatrace_problem_duration_seconds";

/**
 * `dynatrace_problems`, `dynatrace_problems_opened_total`, `dynatrace_problem_duration_seconds`,
 * `dynatrace_problems_up` and `dynatrace_problems_scope_missing`, rendered from the problems
 * collectors of the environments that collect problems. Nothing at all when none does, so the
 * exposition of an exporter without the collector is what it was before it existed. The last
 * render is served again until a collector reports a change.
 */
export class ProblemFamilies implements TextFamily {
  private last: { openMetrics: boolean; versions: number[]; body: Buffer } | undefined;

  constructor(private readonly views: () => Iterable<ProblemsView>) {}

  render(openMetrics: boolean): Buffer {
    const views = [...this.views()];
    if (views.length === 0) return Buffer.alloc(0);
    const versions = views.map((v) => v.version);
    const last = this.last;
    if (
      last?.openMetrics === openMetrics &&
      last.versions.length === versions.length &&
      last.versions.every((n, i) => n === versions[i])
    ) {
      return last.body;
    }
    const body = Buffer.from(renderText(views, openMetrics));
    this.last = { openMetrics, versions, body };
    return body;
  }
}

function renderText(views: ProblemsView[], openMetrics: boolean): string {
  const note = views.some((v) => v.perZone) ? ZONES_NOTE : "";
  const env = (v: ProblemsView) => `environment="${escapeLabelValue(v.environment)}"${v.staticLabels}`;
  let gauge = familyHeader("dynatrace_problems", "gauge", PROBLEMS_HELP + note, openMetrics);
  let opened = familyHeader("dynatrace_problems_opened_total", "counter", OPENED_HELP + note, openMetrics);
  for (const v of views) {
    const e = env(v);
    v.forEachSet((labels, open, closed, n) => {
      gauge += `dynatrace_problems{${e},${labels},status="OPEN"} ${open}\n`;
      gauge += `dynatrace_problems{${e},${labels},status="CLOSED"} ${closed}\n`;
      opened += `dynatrace_problems_opened_total{${e},${labels}} ${n}\n`;
    });
  }
  let hist = `# HELP ${DURATION} ${escapeHelp(DURATION_HELP)}\n# TYPE ${DURATION} histogram\n`;
  for (const v of views) {
    const e = env(v);
    v.forEachDuration((severity, d) => {
      const labels = `${e},severity_level="${escapeLabelValue(severity)}"`;
      let cumulative = 0;
      PROBLEM_DURATION_BUCKETS.forEach((le, i) => {
        cumulative += d.buckets[i] ?? 0;
        hist += `${DURATION}_bucket{${labels},le="${le}"} ${cumulative}\n`;
      });
      hist += `${DURATION}_bucket{${labels},le="+Inf"} ${d.count}\n`;
      hist += `${DURATION}_sum{${labels}} ${d.sum}\n${DURATION}_count{${labels}} ${d.count}\n`;
    });
  }
  let up = familyHeader("dynatrace_problems_up", "gauge", UP_HELP, openMetrics);
  let scope = familyHeader("dynatrace_problems_scope_missing", "gauge", SCOPE_HELP, openMetrics);
  for (const v of views) {
    up += `dynatrace_problems_up{${env(v)}} ${v.up()}\n`;
    scope += `dynatrace_problems_scope_missing{${env(v)}} ${v.scopeMissing() ? 1 : 0}\n`;
  }
  return gauge + opened + hist + up + scope;
}
