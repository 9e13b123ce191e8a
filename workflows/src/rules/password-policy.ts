/** The shortest password an account may set. */
export const MIN_PASSWORD_LENGTH = 10;
/** scrypt takes any length; this bounds the work one request can ask of it. */
export const MAX_PASSWORD_LENGTH = 200;

/**
 * Why `password` may not be an account's new password, or null when it may. Length is what matters most
 * (NIST SP 800-63B); no composition rules, only refusals of the obviously guessable.
 */
export function passwordRefusal(password: string, account: { email: string }): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (new Set(password).size === 1) return 'Use more than one distinct character.';
  const lowered = password.trim().toLowerCase();
  const email = account.email.trim().toLowerCase();
  if (lowered === email || lowered === email.split('@')[0]) return 'Do not use your email address as your password.';
  return null;
}
