import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '@chipgate/db';
import { dropDatabase, ensureDatabase } from '../stack/postgres';
import { testEnv } from './environment';

/** A new, empty database on the test server, for tests that need one of their own. */
export async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `chipgate_scratch_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(testEnv.postgresServerUrl, name);
  return { url, drop: () => dropDatabase(testEnv.postgresServerUrl, name) };
}

/** The run's migrated database (shared by test files: create your own rows, never assume an empty table). */
export function testDb(): Db {
  return createDb(testEnv.databaseUrl);
}

export async function rawQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
