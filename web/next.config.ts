import type { NextConfig } from 'next';

const config: NextConfig = {
  // Workspace packages are TypeScript sources; Next compiles them like its own code.
  transpilePackages: ['@chipgate/db', '@chipgate/activities', '@chipgate/workflows'],
  serverExternalPackages: ['@temporalio/client', '@prisma/client', '@prisma/adapter-pg', 'pg'],
  poweredByHeader: false,
};

export default config;
