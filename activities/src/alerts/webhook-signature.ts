import { signTimestamped, verifyTimestamped } from '../webhooks/timestamped-signature';

/** Alert webhooks carry `Chipgate-Signature` in Stripe's scheme (see webhooks/timestamped-signature). */
export const SIGNATURE_HEADER = 'Chipgate-Signature';

export { SignatureRefusedError as WebhookSignatureError } from '../webhooks/timestamped-signature';

export const signWebhook = signTimestamped;

export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): void {
  verifyTimestamped(body, header, secret, { headerName: SIGNATURE_HEADER, ...options });
}
