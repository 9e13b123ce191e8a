import { createDb } from '@chipgate/db';
import { createProviderActivities } from '@chipgate/activities';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { createChipgateWorker } from './bootstrap';
import { loadWorkerConfig } from './config';

const config = loadWorkerConfig();
const cipher = loadCredentialCipher();
const db = createDb(config.databaseUrl);

const worker = await createChipgateWorker({
  temporalAddress: config.temporalAddress,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  activities: { ...createProviderActivities({ db, cipher, ipEchoUrl: config.ipEchoUrl }) },
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void worker.shutdown());
}
console.log(`worker polling task queue "${config.taskQueue}" on ${config.temporalAddress}`);
await worker.run();
await db.$disconnect();
