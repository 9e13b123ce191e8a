/**
 * Smartproxy STAND-IN launcher for the demo (`npm start`): a local test double, not a provider.
 *
 * Env: STANDIN_USERNAME, STANDIN_PASSWORD, STANDIN_API_KEY (required);
 *      STANDIN_PROXY_PORT, STANDIN_API_PORT, STANDIN_ECHO_PORT (optional, default: free ports).
 * Prints one JSON line with the URLs and the username on stdout; the password and API key are
 * never printed, since launcher output ends up in terminals and logs.
 */
import { startSmartproxyStandIn } from './index';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

function portEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a TCP port number, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  const standIn = await startSmartproxyStandIn({
    username: requiredEnv('STANDIN_USERNAME'),
    password: requiredEnv('STANDIN_PASSWORD'),
    apiKey: requiredEnv('STANDIN_API_KEY'),
    ports: {
      proxy: portEnv('STANDIN_PROXY_PORT'),
      api: portEnv('STANDIN_API_PORT'),
      echo: portEnv('STANDIN_ECHO_PORT'),
    },
  });
  console.log(
    JSON.stringify({
      standIn: 'smartproxy',
      username: process.env.STANDIN_USERNAME,
      proxyUrl: standIn.proxyUrl,
      apiBaseUrl: standIn.apiBaseUrl,
      echoUrl: standIn.echoUrl,
    }),
  );
  const stop = (): void => {
    standIn.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[smartproxy stand-in] close failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`[smartproxy stand-in] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
