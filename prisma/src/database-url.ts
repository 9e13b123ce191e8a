export function requireDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: point it at a PostgreSQL database (npm start sets it for the embedded one)');
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`DATABASE_URL must be a postgresql:// URL, got a value starting with "${url.slice(0, 12)}"`);
  }
  return url;
}
