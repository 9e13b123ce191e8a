/**
 * Strips credentials from text that may quote a proxy URL or an auth header (library error messages
 * do), before it reaches a log.
 */
export function withoutCredentials(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1<redacted>@')
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/gi, '$1 <redacted>');
}
