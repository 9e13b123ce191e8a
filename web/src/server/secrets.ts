import { loadCredentialCipher, type CredentialCipher } from '@chipgate/activities/secrets/credential-cipher';

let cipher: CredentialCipher | undefined;

/** The provider-credential cipher (CHIPGATE_SECRET_KEY), loaded on first use. */
export function credentialCipher(): CredentialCipher {
  cipher ??= loadCredentialCipher(process.env);
  return cipher;
}
