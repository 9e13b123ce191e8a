import type { NextConfig } from 'next';
import { HSTS, securityHeaders } from './src/server/http/security-headers';

const config: NextConfig = {
  // A separate build folder for a second Next process on this folder (the end-to-end test runs its own
  // next dev/start beside `npm start`'s); it must lie inside web/ or the workspace.
  distDir: process.env.CHIPGATE_NEXT_DIST_DIR || '.next',
  // Workspace packages are TypeScript sources; Next compiles them like its own code.
  transpilePackages: ['@chipgate/db', '@chipgate/activities', '@chipgate/workflows'],
  serverExternalPackages: ['@temporalio/client', '@prisma/client', '@prisma/adapter-pg', 'pg'],
  poweredByHeader: false,
  async headers() {
    const development = process.env.NODE_ENV !== 'production';
    return [
      { source: '/:path*', headers: securityHeaders({ development }) },
      { source: '/:path*', has: [{ type: 'header', key: 'x-forwarded-proto', value: 'https' }], headers: [HSTS] },
    ];
  },
};

export default config;
