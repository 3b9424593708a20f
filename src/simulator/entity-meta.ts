/** A management zone as the v2 APIs write it. */
export interface SimZone {
  id: string;
  name: string;
}

/** An entity tag as the v2 APIs write it (`value` absent on key-only tags). */
export interface SimTag {
  context: string;
  key: string;
  value?: string;
  stringRepresentation: string;
}

/** The zones the simulated environment knows. Ids are int64 strings, as Dynatrace writes them. */
export const SIM_ZONES: readonly SimZone[] = [
  { id: "-6239538939987181652", name: "Production" },
  { id: "4470212183592731049", name: "Team Payments" },
  { id: "-1871216343920395125", name: "Team Web" },
  { id: "2803115532410470345", name: "Databases" },
];

const ENVS = ["prod", "staging", "dev"];
const APPS = ["checkout", "search", "cart", "billing", "frontend"];

/**
 * FNV-1a (32 bit) of a string. Zones and tags derive from it, not from the generator's PRNG, so
 * adding them changes neither the seeded event stream nor anything computed from it.
 */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** 16 upper-case hex digits derived from `text` (for entity ids made from selectors). */
export function hex16(text: string): string {
  const a = fnv1a(text).toString(16).padStart(8, "0");
  const b = fnv1a(text, 0x9747b28c).toString(16).padStart(8, "0");
  return `${a}${b}`.toUpperCase();
}

/**
 * The management zones of an entity, a pure function of its id: about 20 % of entities are in
 * none, 30 % in two, the rest in one. Sorted by name.
 */
export function managementZonesOf(entityId: string): SimZone[] {
  const h = fnv1a(entityId);
  const bucket = h % 10;
  if (bucket < 2) return [];
  const first = (h >>> 8) % SIM_ZONES.length;
  const zones = [SIM_ZONES[first] as SimZone];
  if (bucket < 5) {
    const second = (first + 1 + ((h >>> 16) % (SIM_ZONES.length - 1))) % SIM_ZONES.length;
    zones.push(SIM_ZONES[second] as SimZone);
  }
  return zones.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The tags of an entity, a pure function of its id: every entity has `env:<prod|staging|dev>`;
 * about half carry a Kubernetes `app` tag; about a quarter the key-only tag `critical`.
 */
export function entityTagsOf(entityId: string): SimTag[] {
  const h = fnv1a(entityId, 0x2545f491);
  const env = ENVS[h % ENVS.length] as string;
  const tags: SimTag[] = [
    { context: "CONTEXTLESS", key: "env", value: env, stringRepresentation: `env:${env}` },
  ];
  if ((h >>> 4) % 2 === 0) {
    const app = APPS[(h >>> 8) % APPS.length] as string;
    tags.push({
      context: "KUBERNETES",
      key: "app",
      value: app,
      stringRepresentation: `[Kubernetes]app:${app}`,
    });
  }
  if ((h >>> 12) % 4 === 0)
    tags.push({ context: "CONTEXTLESS", key: "critical", stringRepresentation: "critical" });
  return tags;
}
