import type { ReactNode } from 'react';
import Link from 'next/link';
import type { SessionUser } from '@/server/auth/session';
import { NavLinks } from './nav-links';
import { SignOutButton } from './sign-out-button';

const USER_LINKS = [
  { href: '/chips', label: 'My chips' },
  { href: '/usage', label: 'Usage' },
  { href: '/top-ups', label: 'Buy GB' },
  { href: '/account', label: 'Account' },
];

const ADMIN_LINKS = [
  { href: '/admin/providers', label: 'Providers' },
  { href: '/admin/proxies', label: 'Proxies' },
  { href: '/admin/chips', label: 'Chips' },
  { href: '/admin/customers', label: 'Customers' },
  { href: '/admin/usage', label: 'Usage & cost' },
  { href: '/admin/plans', label: 'Plans & packs' },
  { href: '/admin/audit', label: 'Audit' },
];

export function AppShell({ user, children }: { user: SessionUser; children: ReactNode }) {
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Chipgate
        </Link>
        <nav aria-label="Main">
          <NavLinks links={USER_LINKS} />
          {user.role === 'ADMIN' ? (
            <>
              <span className="nav-separator" aria-hidden="true">
                Admin
              </span>
              <NavLinks links={ADMIN_LINKS} />
            </>
          ) : null}
        </nav>
        <div className="account">
          <span className="muted" data-testid="signed-in-as">
            {user.email}
          </span>
          <SignOutButton />
        </div>
      </header>
      <main className="content">{children}</main>
    </>
  );
}
