/**
 * A clock tests move by hand, shared by the simulator and the exporter. With `real`, it follows
 * the wall clock (plus whatever was advanced), for tests where timers must actually fire.
 */
export class ManualClock {
  private offset = 0;
  constructor(
    private t: number = Date.parse("2026-11-01T12:00:00Z"),
    private readonly real = false,
  ) {}
  readonly now = (): number => (this.real ? Date.now() + this.offset : this.t);
  advance(ms: number): void {
    this.t += ms;
    this.offset += ms;
  }
}
