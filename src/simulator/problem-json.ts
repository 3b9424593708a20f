import { entityTagsOf, managementZonesOf } from "./entity-meta.js";
import type { ProblemCloseRecord, SimProblem } from "./problems.js";
import type { SimEvent } from "./sim-event.js";

/** Event types whose v2 name differs from v1's. */
const V2_EVENT_TYPE: Record<string, string> = { RESOURCE_CONTENTION: "RESOURCE_CONTENTION_EVENT" };

function entityRef(e: SimEvent) {
  return { entityId: { id: e.entityId, type: e.entityId.split("-")[0] ?? "" }, name: e.entityName };
}

function evidence(e: SimEvent) {
  const title = e.title ?? e.eventType.toLowerCase().replaceAll("_", " ");
  return {
    evidenceType: "EVENT",
    displayName: title,
    entity: entityRef(e),
    groupingEntity: entityRef(e),
    rootCauseRelevant: e.properties?.["dt.event.is_rootcause_relevant"] !== "false",
    startTime: e.startTime,
    endTime: e.endTime,
    data: {
      eventId: `${e.eventId}_${e.startTime}`,
      correlationId: e.correlationId ?? "0000000000000000",
      eventType: V2_EVENT_TYPE[e.eventType] ?? e.eventType,
      title,
      status: e.endTime === -1 ? "OPEN" : "CLOSED",
      startTime: e.startTime,
      endTime: e.endTime === -1 ? null : e.endTime,
      entityTags: entityTagsOf(e.entityId),
      managementZones: managementZonesOf(e.entityId),
      properties: Object.entries(e.properties ?? {}).map(([key, value]) => ({ key, value })),
    },
  };
}

/** What to add to a problem beyond its basic fields. */
export interface ProblemFields {
  evidenceDetails: boolean;
  recentComments: boolean;
}

/** One problem in the Problems API v2 shape; `fields` adds evidence and comments. */
export function problemToJson(p: SimProblem, fields: ProblemFields, closes: readonly ProblemCloseRecord[]) {
  const entity = p.entity;
  const body: Record<string, unknown> = {
    problemId: p.problemId,
    displayId: p.displayId,
    title: p.title,
    impactLevel: p.impactLevel,
    severityLevel: p.severityLevel,
    status: p.status,
    affectedEntities: [entity],
    impactedEntities: [entity],
    rootCauseEntity: entity,
    managementZones: p.managementZones,
    entityTags: p.entityTags,
    problemFilters: [],
    startTime: p.startTime,
    endTime: p.endTime,
  };
  if (fields.evidenceDetails) {
    body.evidenceDetails = { totalCount: p.events.length, details: p.events.map(evidence) };
  }
  if (fields.recentComments) {
    const comments = closes.filter((c) => c.problemId === p.problemId).map(closeComment);
    body.recentComments = { totalCount: comments.length, pageSize: null, nextPageKey: null, comments };
  }
  return body;
}

/** The comment a close left, in the API's comment shape. */
export function closeComment(c: ProblemCloseRecord) {
  return {
    id: c.commentId,
    createdAtTimestamp: c.at,
    content: c.message,
    authorName: c.author,
    context: "dynatrace-problem-close",
  };
}
