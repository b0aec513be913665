/** The PostgreSQL database behind the coordinator's Database port. Needs the `pg` package (an optional peer). */
export { PostgresDatabase, type PostgresDatabaseOptions } from './postgresDatabase.js';
