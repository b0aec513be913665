/**
 * The coordinator's table and column names, for the page's database panel: read from where the coordinator
 * defines them (names only: no statement reaches the page's bundle).
 */
export { DISTRIBUTED_JOBS, JOB_STATUS, LEAD_JOB_COORDINATORS } from '../../core/distributed/sql/tables';
