// The workflow bundle's entry point: every workflow a worker can run, and nothing that is not deterministic.
export { chipWorkflow } from './chip/workflow';
export { providerConnectionTestWorkflow } from './provider-connection-test';
export { proxyHealthCheckWorkflow } from './providers/proxy-health-workflow';
export { providerUsageReconciliationWorkflow } from './providers/usage-reconciliation-workflow';
export { topUpPurchaseWorkflow } from './top-up/top-up-purchase';
export { orphanedCounterSweepWorkflow } from './chip/orphaned-counter-sweep';
export { quotaMonthRolloverWorkflow } from './chip/quota-month-rollover';
