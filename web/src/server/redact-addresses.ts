/**
 * A message fit for a customer: IP addresses, host:port pairs and URLs (which name our gateways,
 * providers and Temporal) become "[internal address]". Admins see the original in the server log.
 */
export function redactAddresses(message: string): string {
  return message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi, '[internal address]')
    .replace(/\[[0-9a-f:.]+\](?::\d{1,5})?/gi, '[internal address]')
    .replace(/\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/gi, '[internal address]')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '[internal address]')
    .replace(/\b(?:[a-z0-9-]+\.)+[a-z]{2,}:\d{1,5}\b/gi, '[internal address]');
}
