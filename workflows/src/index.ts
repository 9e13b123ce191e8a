// The workflow bundle's entry point: every workflow a worker can run, and nothing that is not deterministic.
export { providerConnectionTestWorkflow } from './provider-connection-test';
