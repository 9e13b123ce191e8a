/**
 * Next.js calls register() once when a server starts, before it serves a request: the web process's
 * environment is validated here, and a missing or malformed variable stops it with a message naming it.
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is Next's own marker (not a setting); the edge runtime has no process to stop.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { checkWebEnvAtBoot } = await import('./src/server/boot-env');
  checkWebEnvAtBoot();
}
