import { HAZARDS } from '../../playground/view/hazardCatalog';
import type { ClusterSnapshot } from '../../playground/view/types';

/** Hazard names and codes, both to the code: servers report hazards the way the scenario spelled them. */
const CODE_OF = new Map<string, string>(
  Object.entries(HAZARDS).flatMap(([name, hazard]) => [
    [name, hazard.code],
    [hazard.code, hazard.code],
  ]),
);

/**
 * Which hazards are on, by code, and on which servers: read from the servers themselves, so that the
 * switches show what really runs (a scenario may switch a hazard on for some servers only).
 */
export function hazardServers(snapshot: ClusterSnapshot | null): Map<string, string[]> {
  const on = new Map<string, string[]>();
  for (const server of snapshot?.servers ?? []) {
    for (const hazard of server.hazards) {
      const code = CODE_OF.get(hazard);
      if (!code) continue;
      const servers = on.get(code) ?? [];
      servers.push(server.id);
      on.set(code, servers);
    }
  }
  return on;
}
