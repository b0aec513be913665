/**
 * The types the page reads, in one place: the UI imports from src/playground only (and scenario types), so
 * the shapes it shows from other rooms are named here. Type-only: nothing of those rooms reaches the bundle.
 */
export type { ClusterSnapshot, ServerSnapshot, ProcessState } from '../../sim';
export type { TraceEntry } from '../../sim';
export type { ResolvedTimings } from '../../sim';
export type { Row } from '../../core/ports';
export type { HazardCode } from '../../core/hazards';
export type { HealPhase, LiveInvariant, SessionView, ViewCursor, ViewRequest } from '../session';
export type { TimelineMark } from './timelineMarks';
