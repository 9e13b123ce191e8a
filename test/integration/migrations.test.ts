import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyMigrations } from '@chipgate/db/migrate';
import { emptyDatabase, rawQuery } from '../support/database';

describe('migrations', () => {
  let scratch: Awaited<ReturnType<typeof emptyDatabase>>;
  before(async () => {
    scratch = await emptyDatabase();
  });
  after(async () => {
    await scratch.drop();
  });

  it('build the whole schema on an empty database, and are a no-op the second time', async () => {
    applyMigrations(scratch.url);
    const tables = (await rawQuery<{ tablename: string }>(scratch.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map((r) => r.tablename);
    for (const table of ['proxy_providers', 'proxies', 'chip_proxy_assignments', 'proxy_usage_logs', 'user_proxy_costs', 'users', 'plans', 'chips', 'quota_alerts', 'top_up_packs', 'top_up_orders', 'top_up_credits', 'baileys_auth_state', 'sessions']) {
      assert.ok(tables.includes(table), `table ${table} exists`);
    }
    const applied = await rawQuery<{ n: string }>(scratch.url, 'SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    applyMigrations(scratch.url);
    const again = await rawQuery<{ n: string }>(scratch.url, 'SELECT count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    assert.equal(again[0]!.n, applied[0]!.n);
    const plans = await rawQuery<{ code: string; proxy_gb_limit: string }>(scratch.url, 'SELECT code, proxy_gb_limit::text FROM plans ORDER BY proxy_gb_limit');
    assert.deepEqual(plans, [
      { code: 'FREE', proxy_gb_limit: '0.100' },
      { code: 'BUSINESS', proxy_gb_limit: '1.000' },
      { code: 'ENTERPRISE', proxy_gb_limit: '5.000' },
    ]);
  });

  it('store money as numeric and bytes as bigint, and index usage by user and month', async () => {
    const columns = await rawQuery<{ table_name: string; column_name: string; data_type: string }>(
      scratch.url,
      `SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name IN ('cost', 'cost_per_gb', 'price', 'monthly_price', 'bytes_sent', 'bytes_received', 'bytes_total', 'total_bytes_used', 'bytes')`,
    );
    assert.ok(columns.length >= 10);
    for (const c of columns) {
      const expected = c.column_name.includes('bytes') ? 'bigint' : 'numeric';
      assert.equal(c.data_type, expected, `${c.table_name}.${c.column_name}`);
    }
    const indexes = await rawQuery<{ indexdef: string }>(scratch.url, "SELECT indexdef FROM pg_indexes WHERE tablename = 'proxy_usage_logs'");
    assert.ok(indexes.some((i) => /\(user_id, month\)/.test(i.indexdef)), 'usage index on (user_id, month)');
    assert.ok(indexes.some((i) => /UNIQUE.*\(idempotency_key\)/.test(i.indexdef)), 'usage rows are idempotent per key');
  });

  it('allow one live proxy assignment per chip, any number of released ones', async () => {
    const [plan] = await rawQuery<{ id: string }>(scratch.url, "SELECT id FROM plans WHERE code = 'FREE'");
    const [user] = await rawQuery<{ id: string }>(scratch.url, `INSERT INTO users (id, email, name, password_hash, plan_id, updated_at) VALUES (gen_random_uuid(), 'a@x.test', 'A', 'x', $1, now()) RETURNING id`, [plan!.id]);
    const [chip] = await rawQuery<{ id: string }>(scratch.url, `INSERT INTO chips (id, owner_id, label, updated_at) VALUES (gen_random_uuid(), $1, 'c', now()) RETURNING id`, [user!.id]);
    const [provider] = await rawQuery<{ id: string }>(
      scratch.url,
      `INSERT INTO proxy_providers (id, name, region, server, port, username, password_encrypted, cost_per_gb, updated_at)
       VALUES (gen_random_uuid(), 'p', 'br', '127.0.0.1', 8080, 'u', 'v1.x.y.z', 1, now()) RETURNING id`,
    );
    const [proxy] = await rawQuery<{ id: string }>(scratch.url, `INSERT INTO proxies (id, provider_id, region, updated_at) VALUES (gen_random_uuid(), $1, 'br', now()) RETURNING id`, [provider!.id]);
    const assign = (released: boolean) =>
      rawQuery(scratch.url, `INSERT INTO chip_proxy_assignments (id, chip_id, proxy_id, session_id, released_at) VALUES (gen_random_uuid(), $1, $2, 's', ${released ? 'now()' : 'NULL'})`, [chip!.id, proxy!.id]);
    await assign(true);
    await assign(true);
    await assign(false);
    await assert.rejects(assign(false), /chip_proxy_assignments_one_live_per_chip/);
  });

  it('refuse a provider port out of range or a username template without {session} at the database too', async () => {
    const insert = (port: number, template: string) =>
      rawQuery(
        scratch.url,
        `INSERT INTO proxy_providers (id, name, region, server, port, username, password_encrypted, cost_per_gb, username_template, updated_at)
         VALUES (gen_random_uuid(), $3, 'br', '127.0.0.1', $1, 'u', 'v1.x.y.z', 1, $2, now())`,
        [port, template, `p-${port}-${template}`],
      );
    await assert.rejects(insert(70000, '{username}-session-{session}'), /proxy_providers_port_range/);
    await assert.rejects(insert(8080, '{username}'), /proxy_providers_template_has_session/);
  });
});
