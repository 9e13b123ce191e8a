/** Where a provider's stored secrets are sent: the proxy password to server:port over protocol, the API key to the API base URL. */
export interface SecretDestinations {
  server: string;
  port: number;
  protocol: string;
  apiBaseUrl: string | null;
}

/**
 * The secrets an update must enter again, field → why: a stored secret is never sent to a destination
 * other than the one it was entered for, so changing the destination without the secret is refused
 * (an admin session, or a stolen one, could otherwise repoint the server and press "Test connection").
 */
export function secretsToReenter(
  stored: SecretDestinations & { apiKeySet: boolean },
  next: SecretDestinations & { passwordGiven: boolean; apiKeyGiven: boolean },
): Record<string, string> {
  const fields: Record<string, string> = {};
  const proxyMoved = [
    stored.server.toLowerCase() !== next.server.toLowerCase() && 'server',
    stored.port !== next.port && 'port',
    stored.protocol !== next.protocol && 'protocol',
  ].filter(Boolean);
  if (proxyMoved.length > 0 && !next.passwordGiven) {
    fields.password = `enter the password again: the ${proxyMoved.join(', ')} changed, and the stored one is only sent where it was entered for`;
  }
  if (stored.apiKeySet && (stored.apiBaseUrl ?? '') !== (next.apiBaseUrl ?? '') && next.apiBaseUrl && !next.apiKeyGiven) {
    fields.apiKey = 'enter the API key again: the API base URL changed, and the stored key is only sent where it was entered for';
  }
  return fields;
}

/** Field → { from, to } for plain fields, "changed" for secrets: what an audit may record. */
export function providerChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
  secrets: { password: boolean; apiKey: boolean },
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(after)) {
    const previous = before?.[field];
    if (String(previous ?? '') !== String(value ?? '')) changes[field] = before ? { from: plain(previous), to: plain(value) } : plain(value);
  }
  if (secrets.password) changes.password = 'changed';
  if (secrets.apiKey) changes.apiKey = 'changed';
  return changes;
}

function plain(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && 'toFixed' in value) return String(value);
  return value instanceof Date ? value.toISOString() : value;
}
