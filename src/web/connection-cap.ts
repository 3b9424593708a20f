import type { Socket } from "node:net";

/** Connections kept for probes beyond the caps; each is served /healthz and /readyz only. */
export const PROBE_RESERVE = 16;
/** Probe-reserve connections one peer address may hold, so one client cannot take the reserve. */
export const PROBE_RESERVE_PER_PEER = 2;
/** How long a connection of the probe reserve is held: a probe is one quick request. */
export const PROBE_LANE_MS = 2000;

/** The caps {@link ConnectionCap} enforces. */
export interface ConnectionCapOptions {
  /** Open connections at most (WEB_MAX_CONNECTIONS), the probe reserve aside. */
  maxConnections: number;
  /** Open connections per client address (WEB_MAX_CONNECTIONS_PER_CLIENT). */
  perClient: number;
  /** Whether a peer is a trusted proxy: its connections count for the client each request names. */
  isProxy: (address: string) => boolean;
}

/** What a request may do on its connection; see {@link ConnectionCap.check}. */
export type ConnectionVerdict = "serve" | "probes only: server full" | "probes only: client over its cap";

interface Slot {
  peer: string;
  /** Whom the slot counts for: the peer, or for a proxy's connection the client it last named. */
  client: string | undefined;
  lane: "normal" | "probe";
  reason?: "server" | "client";
}

/**
 * Who holds the server's connections. A connection is counted for its peer address at once; a
 * trusted proxy's connections are counted for the client each request names. Past either cap a
 * connection is not refused outright but admitted to a small probe reserve, held
 * {@link PROBE_LANE_MS} and served only /healthz and /readyz, so a client holding every slot cannot
 * fail the kubelet's probes; past the reserve (or a peer's share of it) it is closed on arrival.
 */
export class ConnectionCap {
  private readonly slots = new Map<string, Slot>();
  private readonly perClient = new Map<string, number>();
  private readonly reservedByPeer = new Map<string, number>();
  private normal = 0;
  private probes = 0;

  constructor(private readonly options: ConnectionCapOptions) {}

  /** For the server's `connection` event: counts the socket, or closes it when even the reserve is full. */
  admit(socket: Socket): void {
    const peer = socket.remoteAddress ?? "unknown";
    const proxied = this.options.isProxy(peer);
    const reason =
      this.normal >= this.options.maxConnections
        ? "server"
        : !proxied && count(this.perClient, peer) >= this.options.perClient
          ? "client"
          : undefined;
    const key = keyOf(socket);
    let slot: Slot;
    if (reason === undefined) {
      slot = { peer, client: proxied ? undefined : peer, lane: "normal" };
      this.normal++;
      if (slot.client !== undefined) add(this.perClient, slot.client, 1);
    } else if (this.probes < PROBE_RESERVE && count(this.reservedByPeer, peer) < PROBE_RESERVE_PER_PEER) {
      slot = { peer, client: undefined, lane: "probe", reason };
      this.probes++;
      add(this.reservedByPeer, peer, 1);
      const timer = setTimeout(() => socket.destroy(), PROBE_LANE_MS).unref();
      socket.once("close", () => clearTimeout(timer));
    } else {
      socket.destroy();
      return;
    }
    this.slots.set(key, slot);
    socket.once("close", () => this.release(key, slot));
  }

  /**
   * What a request may do on `socket`, for `client` (the address express names: the peer, or the
   * client a trusted proxy forwards). A proxy's connection moves to the client of its latest
   * request; a client already at its cap is served probes only on it.
   */
  check(socket: Socket, client: string): ConnectionVerdict {
    const slot = this.slots.get(keyOf(socket));
    if (!slot) return "serve";
    if (slot.lane === "probe") {
      return slot.reason === "server" ? "probes only: server full" : "probes only: client over its cap";
    }
    if (slot.client === client) return "serve";
    if (count(this.perClient, client) >= this.options.perClient) return "probes only: client over its cap";
    if (slot.client !== undefined) add(this.perClient, slot.client, -1);
    slot.client = client;
    add(this.perClient, client, 1);
    return "serve";
  }

  /** Connections counted now: in the normal lane, in the probe reserve, per client. */
  counts(): { normal: number; probes: number; clients: number } {
    return { normal: this.normal, probes: this.probes, clients: this.perClient.size };
  }

  private release(key: string, slot: Slot): void {
    if (this.slots.get(key) === slot) this.slots.delete(key);
    if (slot.lane === "probe") {
      this.probes--;
      add(this.reservedByPeer, slot.peer, -1);
      return;
    }
    this.normal--;
    if (slot.client !== undefined) add(this.perClient, slot.client, -1);
  }
}

function count(counts: Map<string, number>, key: string): number {
  return counts.get(key) ?? 0;
}

function add(counts: Map<string, number>, key: string, n: number): void {
  const next = count(counts, key) + n;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

/** Raw and TLS sockets of one connection share it, so the HTTPS server's requests find their slot. */
function keyOf(socket: Socket): string {
  return `${socket.remoteAddress ?? ""}|${socket.remotePort ?? ""}`;
}
