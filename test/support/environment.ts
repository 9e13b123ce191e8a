/** Values `npm test` (test/stack/run-tests.ts) provides to every test process. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts PostgreSQL and Temporal for them`);
  return value;
}

export const testEnv = {
  get databaseUrl() {
    return required('DATABASE_URL');
  },
  get postgresServerUrl() {
    return required('CHIPGATE_TEST_PG_SERVER_URL');
  },
  get temporalAddress() {
    return required('TEMPORAL_ADDRESS');
  },
  get artifactsDir() {
    return required('CHIPGATE_TEST_ARTIFACTS');
  },
};
