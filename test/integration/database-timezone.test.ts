// The Prisma adapter writes instants as UTC wall-clock text without a zone, and PostgreSQL reads such
// text in the session's TimeZone: on a server set to America/Sao_Paulo every timestamp would land
// three hours off. Sessions are pinned to UTC, so a meter writes the same rows whatever the server's zone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createDb } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { flushTrafficCounters } from '@chipgate/activities/chip/traffic-counters';
import { meterChipUsage } from '@chipgate/activities/chip/usage-metering';
import { emptyDatabase, rawQuery } from '../support/database';

const PERIOD = { periodStart: '2026-12-01T01:25:00.000Z', periodEnd: '2026-12-01T01:30:00.000Z' };

/** Meters one known period on a fresh database whose server-side TimeZone is `timeZone`; returns its rows as UTC text. */
async function meterOn(timeZone: string, cleanups: Array<() => Promise<void>>) {
  const database = await emptyDatabase();
  cleanups.push(database.drop);
  const name = new URL(database.url).pathname.slice(1);
  await rawQuery(database.url, `ALTER DATABASE "${name}" SET timezone TO '${timeZone}'`);
  applyMigrations(database.url);
  const db = createDb(database.url);
  cleanups.push(() => db.$disconnect());
  const plan = await db.plan.findFirstOrThrow({ where: { code: 'BUSINESS' } });
  const user = await db.user.create({ data: { email: `${randomUUID()}@tz.test`, name: 'TZ', passwordHash: 'x', planId: plan.id } });
  const provider = await db.proxyProvider.create({ data: { name: 'TZ provider', region: 'br', server: '127.0.0.1', port: 1, username: 'u', passwordEncrypted: 'x', costPerGb: '4.5' } });
  const proxy = await db.proxy.create({ data: { providerId: provider.id, kind: 'ROTATING', protocol: 'HTTP', region: 'br' } });
  const chip = await db.chip.create({ data: { ownerId: user.id, label: 'tz' } });
  await flushTrafficCounters(db, [{ counterId: randomUUID(), chipId: chip.id, proxyId: proxy.id, workerId: 'tz', bytesSent: 1000n, bytesReceived: 2000n }]);
  await meterChipUsage(db, { chipId: chip.id, ...PERIOD });
  const [session] = await rawQuery<{ TimeZone: string }>(database.url, 'SHOW timezone');
  const rows = await rawQuery<{ period_start: string; period_end: string; month: string; bytes_total: string }>(
    database.url,
    `SELECT to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS period_start,
            to_char(period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS period_end,
            to_char(c.month, 'YYYY-MM-DD') AS month, l.bytes_total::text
       FROM proxy_usage_logs l JOIN user_proxy_costs c ON c.user_id = l.user_id`,
  );
  return { serverZone: session?.TimeZone, rows };
}

describe('database sessions are pinned to UTC', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('a meter against a server whose TimeZone is America/Sao_Paulo writes the same rows as against UTC', async () => {
    const utc = await meterOn('UTC', cleanups);
    const saoPaulo = await meterOn('America/Sao_Paulo', cleanups);
    assert.equal(saoPaulo.serverZone, 'America/Sao_Paulo', 'the server side really is in São Paulo');
    assert.deepEqual(utc.rows, [{ period_start: PERIOD.periodStart, period_end: PERIOD.periodEnd, month: '2026-12-01', bytes_total: '3000' }]);
    assert.deepEqual(saoPaulo.rows, utc.rows, 'identical rows, the instants exactly as metered');
  });
});
