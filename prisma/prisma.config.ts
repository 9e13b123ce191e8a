import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg-migrate';
import { requireDatabaseUrl } from './src/database-url';

// The JS schema engine needs no binary download; adapter-pg 7.x is used for migrations only,
// because 6.19 cannot deserialize Postgres' `name` type during `migrate deploy` (prisma/orm#27403).
export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join(import.meta.dirname, 'schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, 'migrations') },
  async adapter() {
    return new PrismaPg({ connectionString: requireDatabaseUrl() });
  },
});
