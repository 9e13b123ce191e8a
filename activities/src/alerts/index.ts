export {
  createAlertDelivery,
  loadAlertConfig,
  type AlertConfig,
  type AlertDelivery,
  type QuotaAlertInput,
  type QuotaAlertOutcome,
} from './alert-delivery';
export { formatBillingMonth, formatGb, quotaAlertEmail, quotaAlertWebhookBody, type QuotaAlertEmail, type QuotaAlertFacts } from './alert-message';
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature, WebhookSignatureError } from './webhook-signature';
