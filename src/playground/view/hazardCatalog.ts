/** Each hazard's code, name and what it does, as the page lists them (the coordinator's own catalogue). */
export { HAZARDS } from '../../core/hazards';
