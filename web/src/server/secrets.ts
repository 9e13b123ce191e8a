import { loadCredentialCipher, type CredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { only, webEnv } from './env';

let cipher: CredentialCipher | undefined;

/** The provider-credential cipher (CHIPGATE_SECRET_KEY), loaded on first use. */
export function credentialCipher(): CredentialCipher {
  cipher ??= loadCredentialCipher(only({ CHIPGATE_SECRET_KEY: webEnv().CHIPGATE_SECRET_KEY }));
  return cipher;
}
