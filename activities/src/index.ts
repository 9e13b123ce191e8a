export { createProviderActivities, type ProviderActivities } from './provider-activities';
export { hashPassword, verifyPassword } from './auth/password-hash';
