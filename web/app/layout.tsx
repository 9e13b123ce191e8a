import type { ReactNode } from 'react';
import type { Metadata } from 'next';
import { Providers } from '@/trpc/client';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Chipgate', template: '%s · Chipgate' },
  description: 'Residential proxies for WhatsApp chips, metered to the byte',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
