import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/client/client';
import { requireDatabaseUrl } from './database-url';

export * from '../generated/client/client';
export { requireDatabaseUrl } from './database-url';

export type Db = PrismaClient;

/**
 * Sessions run in UTC whatever the server's TimeZone: the adapter sends instants as UTC wall-clock
 * text without a zone, which PostgreSQL would otherwise read in the session's zone.
 */
const UTC_SESSION = '-c TimeZone=UTC';

export function createDb(databaseUrl: string = requireDatabaseUrl()): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, options: UTC_SESSION }) });
}

let shared: PrismaClient | undefined;

/** One client per process, created on first use so importing this module never needs a database. */
export function db(): PrismaClient {
  shared ??= createDb();
  return shared;
}
