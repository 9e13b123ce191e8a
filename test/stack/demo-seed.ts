import type { Db } from '@chipgate/db';
import { hashPassword } from '@chipgate/activities';
import type { CredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import type { ChipWorkflowClient } from '@chipgate/workflows/client/chip-client';

/** Demo logins printed by `npm start`; they exist only in the embedded demo database. */
export const DEMO_LOGINS = [
  { email: 'admin@chipgate.local', password: 'admin-demo-pass', name: 'Ana Admin', role: 'ADMIN', plan: 'ENTERPRISE' },
  { email: 'free@chipgate.local', password: 'free-demo-pass', name: 'Fábio Free', role: 'USER', plan: 'FREE' },
  { email: 'business@chipgate.local', password: 'business-demo-pass', name: 'Bruna Business', role: 'USER', plan: 'BUSINESS' },
  { email: 'enterprise@chipgate.local', password: 'enterprise-demo-pass', name: 'Enzo Enterprise', role: 'USER', plan: 'ENTERPRISE' },
] as const;

export const DEMO_PROVIDER_NAME = 'Smartproxy (local stand-in)';

export interface StandInAccount {
  proxyHost: string;
  proxyPort: number;
  apiBaseUrl: string;
  username: string;
  password: string;
  apiKey: string;
}

/**
 * Seeds the demo once, into a database without the demo admin; later `npm start`s only point the
 * demo provider (if an admin kept it) at the stand-in's current address, and leave everything an
 * admin changed alone: a deactivated provider stays off, an edited price stays. Returns whether it
 * seeded, so the caller creates the demo chips only then.
 */
export async function seedDemoData(db: Db, cipher: CredentialCipher, standIn: StandInAccount): Promise<{ seeded: boolean }> {
  const admin = DEMO_LOGINS[0];
  if (await db.user.findUnique({ where: { email: admin.email }, select: { id: true } })) {
    await refreshStandInAddress(db, cipher, standIn);
    return { seeded: false };
  }
  const plans = new Map((await db.plan.findMany()).map((plan) => [plan.code, plan.id]));
  for (const login of DEMO_LOGINS) {
    const planId = plans.get(login.plan);
    if (!planId) throw new Error(`plan ${login.plan} is missing: apply the migrations first`);
    if (await db.user.findUnique({ where: { email: login.email }, select: { id: true } })) continue;
    await db.user.create({ data: { email: login.email, name: login.name, role: login.role, planId, passwordHash: await hashPassword(login.password) } });
  }
  if (!(await db.proxyProvider.findUnique({ where: { name: DEMO_PROVIDER_NAME }, select: { id: true } }))) {
    const saved = await saveProvider(db, cipher, {
      name: DEMO_PROVIDER_NAME,
      type: 'RESIDENTIAL',
      region: 'br',
      server: standIn.proxyHost,
      port: standIn.proxyPort,
      protocol: 'HTTP',
      username: standIn.username,
      password: standIn.password,
      apiKey: standIn.apiKey,
      apiBaseUrl: standIn.apiBaseUrl,
      costPerGb: '4.50',
      currency: 'BRL',
    });
    await db.proxy.create({ data: { providerId: saved.id, kind: 'ROTATING', protocol: 'HTTP', region: 'br' } });
  }
  if ((await db.topUpPack.count()) === 0) {
    await db.topUpPack.createMany({
      data: [
        { name: '1 GB', sizeGb: '1', price: '19.90' },
        { name: '5 GB', sizeGb: '5', price: '79.90' },
        { name: '20 GB', sizeGb: '20', price: '249.90' },
      ],
    });
  }
  return { seeded: true };
}

/** The stand-in may listen elsewhere this run (other ports): only where it is, and its account's secrets, follow it. */
async function refreshStandInAddress(db: Db, cipher: CredentialCipher, standIn: StandInAccount): Promise<void> {
  const provider = await db.proxyProvider.findUnique({ where: { name: DEMO_PROVIDER_NAME }, select: { id: true, server: true, port: true, apiBaseUrl: true } });
  if (!provider) return;
  if (provider.server === standIn.proxyHost && provider.port === standIn.proxyPort && provider.apiBaseUrl === standIn.apiBaseUrl) return;
  await db.proxyProvider.update({
    where: { id: provider.id },
    data: {
      server: standIn.proxyHost,
      port: standIn.proxyPort,
      apiBaseUrl: standIn.apiBaseUrl,
      passwordEncrypted: cipher.encrypt(standIn.password),
      apiKeyEncrypted: cipher.encrypt(standIn.apiKey),
    },
  });
}

const DEMO_CHIPS = [
  { owner: 'business@chipgate.local', label: 'Atendimento', phoneNumber: '+55 11 90000-0001' },
  { owner: 'business@chipgate.local', label: 'Vendas', phoneNumber: '+55 11 90000-0002' },
  { owner: 'enterprise@chipgate.local', label: 'Suporte', phoneNumber: '+55 21 90000-0003' },
] as const;

/** The demo chips, created and started with the first seed; their workflows then live on in Temporal. */
export async function createDemoChips(db: Db, chips: ChipWorkflowClient, meterIntervalSeconds: number): Promise<void> {
  for (const demo of DEMO_CHIPS) {
    const owner = await db.user.findUniqueOrThrow({ where: { email: demo.owner } });
    const chip = await db.chip.create({ data: { ownerId: owner.id, label: demo.label, phoneNumber: demo.phoneNumber, region: 'br' } });
    await chips.start({ chipId: chip.id, userId: owner.id, settings: { meterIntervalSeconds } });
  }
}
