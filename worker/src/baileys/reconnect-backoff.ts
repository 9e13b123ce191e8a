export interface ReconnectBackoff {
  /** Delay ceiling before the first retry; it doubles with each failed attempt. */
  baseDelayMs: number;
  /** No retry waits longer than this, however many failed before it. */
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

export function reconnectBackoff(options: { reconnectBaseDelayMs?: number; reconnectMaxDelayMs?: number }): ReconnectBackoff {
  const baseDelayMs = options.reconnectBaseDelayMs ?? DEFAULT_RECONNECT_BACKOFF.baseDelayMs;
  const maxDelayMs = options.reconnectMaxDelayMs ?? Math.max(DEFAULT_RECONNECT_BACKOFF.maxDelayMs, baseDelayMs);
  for (const [field, value] of [['reconnectBaseDelayMs', baseDelayMs], ['reconnectMaxDelayMs', maxDelayMs]] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${field} must be a positive number of milliseconds, got ${value}`);
  }
  if (maxDelayMs < baseDelayMs) {
    throw new RangeError(`reconnectMaxDelayMs (${maxDelayMs}) must not be below reconnectBaseDelayMs (${baseDelayMs})`);
  }
  return { baseDelayMs, maxDelayMs };
}

/**
 * Doubles per failed attempt up to the cap, then picks a point between half and all of it, so the
 * chips one outage dropped together do not all come back in the same instant.
 */
export function reconnectDelayMs(attempt: number, backoff: ReconnectBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
