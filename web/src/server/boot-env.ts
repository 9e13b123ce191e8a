import { WebEnvError, webEnv } from './env';

/** Reads the environment once at server start; exits non-zero, naming each bad variable, when it is unusable. */
export function checkWebEnvAtBoot(): void {
  try {
    webEnv();
  } catch (err) {
    if (!(err instanceof WebEnvError)) throw err;
    console.error(`chipgate web: ${err.message}`);
    process.exit(1);
  }
}
