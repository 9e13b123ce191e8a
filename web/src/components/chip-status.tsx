const DESCRIPTIONS: Record<string, string> = {
  PENDING: 'Starting',
  WAITING_FOR_PROXY: 'Waiting for a proxy',
  CONNECTING: 'Connecting',
  QR: 'Waiting for pairing',
  OPEN: 'Connected',
  PAUSED: 'Paused',
  CLOSED: 'Disconnected',
  LOGGED_OUT: 'Logged out',
  RELEASED: 'Released',
};

const TONES: Record<string, string> = {
  OPEN: 'good',
  QR: 'info',
  PENDING: 'info',
  CONNECTING: 'info',
  WAITING_FOR_PROXY: 'warn',
  PAUSED: 'warn',
  CLOSED: 'bad',
  LOGGED_OUT: 'bad',
  RELEASED: 'muted',
};

export function ChipStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${TONES[status] ?? 'muted'}`} data-status={status}>
      {DESCRIPTIONS[status] ?? status}
    </span>
  );
}
