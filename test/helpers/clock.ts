/** A clock tests move by hand, shared by the simulator and the exporter. */
export class ManualClock {
  constructor(private t: number = Date.parse("2026-11-01T12:00:00Z")) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
