import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';

/** "512.0 MB", "1.25 GB" (1024-based, the one GB definition in workflows/src/rules/bytes.ts). */
export { formatBytes } from '@chipgate/workflows/rules/bytes';

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * An exact decimal string in its currency with 2 decimals, pt-BR style ("R$ 4,50"). The string is
 * formatted as a decimal (Intl rounds it half-up), never parsed into a float first.
 */
export function formatMoney(amount: string, currency: string): string {
  const code = currency.trim().toUpperCase() || 'BRL';
  let format = moneyFormats.get(code);
  if (!format) {
    format = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: code, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    moneyFormats.set(code, format);
  }
  return format.format(amount as Intl.StringNumericLiteral);
}

/** Several currencies are shown side by side, never added together; nothing is R$ 0,00. */
export function formatMoneyList(costs: ReadonlyArray<{ amount: string; currency: string }>, fallbackCurrency = 'BRL'): string {
  if (costs.length === 0) return formatMoney('0', fallbackCurrency);
  return costs.map((c) => formatMoney(c.amount, c.currency)).join(' + ');
}

/** "+5511912345678": the form may have stored the "+" already, WhatsApp's own numbers come without it. */
export function formatPhoneNumber(phoneNumber: string): string {
  return phoneNumber.startsWith('+') ? phoneNumber : `+${phoneNumber}`;
}

export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  return date.toLocaleString('pt-BR', { dateStyle: 'short', timeStyle: 'short' });
}

/** "2026-11" → "November 2026" */
export function formatMonth(key: string): string {
  const [year, month] = key.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month - 1, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** The current billing month (UTC), "2026-11". */
export function currentMonthKey(now = new Date()): string {
  return billingMonthOf(now).slice(0, 7);
}

/** The `count` months up to and including the current one, newest first. */
export function recentMonths(count = 12, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}
