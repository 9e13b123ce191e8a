import { db } from '@chipgate/db';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const [providers, plans] = await Promise.all([
    db().proxyProvider.findMany({ select: { id: true, name: true, region: true, isActive: true }, orderBy: { name: 'asc' } }),
    db().plan.findMany({ orderBy: { proxyGbLimit: 'asc' } }),
  ]);
  return (
    <main style={{ maxWidth: 720, margin: '3rem auto', padding: '0 1rem' }}>
      <h1>Chipgate</h1>
      <p>Every WhatsApp chip gets its own residential proxy with a sticky exit IP, metered to the byte.</p>
      <h2>Providers</h2>
      <ul>
        {providers.map((p) => (
          <li key={p.id}>
            {p.name} — {p.region} {p.isActive ? '' : '(inactive)'}
          </li>
        ))}
      </ul>
      <h2>Plans</h2>
      <ul>
        {plans.map((p) => (
          <li key={p.id}>
            {p.name}: {p.proxyGbLimit.toString()} GB / month
          </li>
        ))}
      </ul>
    </main>
  );
}
