import { formatBytes, formatDateTime } from '@/lib/format';

export interface AlertRow {
  id: string;
  month: Date;
  threshold: 'PERCENT_80' | 'PERCENT_100';
  bytesUsed: bigint;
  bytesAllowed: bigint;
  emailSentAt: Date | null;
  webhookSentAt: Date | null;
  createdAt: Date;
  user?: { email: string; name: string };
}

const THRESHOLD = { PERCENT_80: '80% used', PERCENT_100: '100% used — chips paused' } as const;

export function AlertsTable({ alerts, showUser = false, caption }: { alerts: AlertRow[]; showUser?: boolean; caption: string }) {
  if (alerts.length === 0) return <p className="muted">No alerts.</p>;
  return (
    <table>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          {showUser ? <th scope="col">Customer</th> : null}
          <th scope="col">Alert</th>
          <th scope="col" className="num">Used</th>
          <th scope="col" className="num">Allowance</th>
          <th scope="col">Email</th>
          <th scope="col">Webhook</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id}>
            <td>{formatDateTime(a.createdAt)}</td>
            {showUser ? <td>{a.user ? `${a.user.name} <${a.user.email}>` : '—'}</td> : null}
            <td>
              <span className={`badge ${a.threshold === 'PERCENT_100' ? 'badge-bad' : 'badge-warn'}`}>{THRESHOLD[a.threshold]}</span>
            </td>
            <td className="num">{formatBytes(a.bytesUsed)}</td>
            <td className="num">{formatBytes(a.bytesAllowed)}</td>
            <td>{a.emailSentAt ? formatDateTime(a.emailSentAt) : 'not sent'}</td>
            <td>{a.webhookSentAt ? formatDateTime(a.webhookSentAt) : 'not sent'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
