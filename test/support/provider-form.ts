/** A valid admin provider form (what the Providers page submits), pointing at an unused loopback port. */
export const providerForm = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  type: 'RESIDENTIAL',
  region: 'br',
  server: '127.0.0.1',
  port: '10000',
  protocol: 'HTTP',
  username: 'sp-user',
  password: '',
  apiKey: '',
  apiBaseUrl: 'http://127.0.0.1:1',
  usernameTemplate: '{username}-session-{session}',
  stickySessionMinutes: '30',
  costPerGb: '4.50',
  currency: 'BRL',
  isActive: true,
  ...overrides,
});
