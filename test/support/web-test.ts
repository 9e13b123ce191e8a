import { after } from 'node:test';
import { db as sharedDb, type Db } from '@chipgate/db';
import { testDb } from './database';

/** A user a web test signs in as, with the password it was created with. */
export interface TestUser {
  id: string;
  email: string;
  name: string;
  role: 'ADMIN' | 'USER';
  password: string;
}

/**
 * The run's database for a web test file; after the file it is closed, and so is the app's own
 * per-process client that createContext and the HTTP handlers take.
 */
export function webTestDb(): Db {
  const db = testDb();
  after(async () => {
    await db.$disconnect();
    await sharedDb().$disconnect();
  });
  return db;
}
