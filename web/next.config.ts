import type { NextConfig } from 'next';

const config: NextConfig = {
  // A separate build folder for a second Next process on this folder (the end-to-end test runs its own
  // next dev/start beside `npm start`'s); it must lie inside web/ or the workspace.
  distDir: process.env.CHIPGATE_NEXT_DIST_DIR || '.next',
  // Workspace packages are TypeScript sources; Next compiles them like its own code.
  transpilePackages: ['@chipgate/db', '@chipgate/activities', '@chipgate/workflows'],
  serverExternalPackages: ['@temporalio/client', '@prisma/client', '@prisma/adapter-pg', 'pg'],
  poweredByHeader: false,
};

export default config;
