// The worker's Prometheus endpoint: it parses as Prometheus text, its byte counter moves by exactly
// what a meter billed (compared with SQL over proxy_usage_logs), its gauges see the chip's
// connections, and with a token it answers nobody without it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { rawQuery } from '../support/database';
import { until } from '../support/until';

const TOKEN = 'metrics-token-for-the-test-0123456789';

async function scrape(url: string, token: string | undefined = TOKEN): Promise<PrometheusFamily[]> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

function sample(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found ? Number(found.value) : undefined;
}

describe('worker /metrics (Prometheus)', () => {
  let world: ChipWorld;
  before(async () => {
    world = await startChipWorld({ meterIntervalSeconds: 1, metrics: { token: TOKEN } });
  });
  after(async () => {
    await world?.close();
  });

  it('counts exactly the bytes billed, by direction and provider, and sees the gateway connections', async () => {
    const url = world.currentWorker().metricsUrl!;
    assert.ok(url, 'the worker serves metrics');
    const before = await scrape(url);
    assert.equal(sample(before, 'chipgate_bytes_metered_total', { direction: 'received' }) ?? 0, 0, 'nothing billed yet');

    const user = await world.createUser('ENTERPRISE');
    const chipId = await world.startChip(user.id, 'metered');
    await world.waitForState(chipId, (s) => s.workerQueue !== null, 'connected');
    const download = await world.throughChip(chipId, '/bytes/250000');
    assert.equal(download.body.length, 250_000);
    await world.chips.release(chipId, 'measured');

    const [billed] = await rawQuery<{ sent: string; received: string; provider: string }>(
      world.databaseUrl,
      `SELECT sum(l.bytes_sent)::text AS sent, sum(l.bytes_received)::text AS received, min(pp.name) AS provider
         FROM proxy_usage_logs l JOIN proxies p ON p.id = l.proxy_id JOIN proxy_providers pp ON pp.id = p.provider_id`,
    );
    assert.ok(Number(billed!.received) >= 250_000);
    const after = await until('the counter to reach what the usage rows say', async () => {
      const families = await scrape(url);
      return sample(families, 'chipgate_bytes_metered_total', { direction: 'received', provider: billed!.provider }) === Number(billed!.received) && families;
    }, 30_000);
    assert.equal(sample(after, 'chipgate_bytes_metered_total', { direction: 'sent', provider: billed!.provider }), Number(billed!.sent), 'sent = SQL sum');
    const lag = after.find((f) => f.name === 'chipgate_meter_lag_seconds');
    assert.equal(lag?.type, 'HISTOGRAM');
    assert.ok(sample(after, 'chipgate_gateway_connections') !== undefined, 'gateway connections are reported');
    assert.ok(after.some((f) => f.name === 'chipgate_worker_process_resident_memory_bytes'), 'process metrics too');
  });

  it('refuses a scrape without the token', async () => {
    const url = world.currentWorker().metricsUrl!;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong-token-of-the-same-length-000' } })).status, 401);
    assert.equal((await fetch(url.replace('/metrics', '/other'), { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404);
  });
});
