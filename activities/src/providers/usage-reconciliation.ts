import type { Db } from '@chipgate/db';
import type { CredentialCipher } from '../secrets/credential-cipher';
import { accountUsage } from './provider-client';
import { loadResolvedProvider } from './resolve-provider';

/**
 * Compares what a provider says its account carried in a period with what Chipgate metered on that
 * provider's proxies, and records the difference. Per-chip attribution always comes from the
 * gateway; the provider's account-level number only checks the total.
 */
export async function reconcileProviderUsage(db: Db, cipher: CredentialCipher, providerId: string, period: { from: string; to: string }) {
  const { record, resolved } = await loadResolvedProvider(db, cipher, providerId);
  if (!resolved.apiBaseUrl || !resolved.apiKey) return { providerId, skipped: `provider "${record.name}" has no usage API configured` };
  const from = new Date(period.from);
  const to = new Date(period.to);
  const reported = await accountUsage({ ...resolved, apiBaseUrl: resolved.apiBaseUrl, apiKey: resolved.apiKey }, { from, to });
  const metered = await db.proxyUsageLog.aggregate({
    where: { proxy: { providerId }, periodEnd: { gt: from, lte: to } },
    _sum: { bytesTotal: true },
  });
  const meteredBytes = metered._sum.bytesTotal ?? 0n;
  const row = await db.providerUsageReconciliation.create({
    data: { providerId, periodStart: from, periodEnd: to, providerBytes: reported.bytesTotal, meteredBytes, differenceBytes: reported.bytesTotal - meteredBytes },
  });
  return { providerId, reconciliationId: row.id, providerBytes: reported.bytesTotal.toString(), meteredBytes: meteredBytes.toString() };
}
