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

/** Idempotent: a second `npm start` finds everything in place and only refreshes the stand-in's address. */
export async function seedDemoData(db: Db, cipher: CredentialCipher, standIn: StandInAccount): Promise<void> {
  const plans = new Map((await db.plan.findMany()).map((plan) => [plan.code, plan.id]));
  for (const login of DEMO_LOGINS) {
    const planId = plans.get(login.plan);
    if (!planId) throw new Error(`plan ${login.plan} is missing: apply the migrations first`);
    const existing = await db.user.findUnique({ where: { email: login.email } });
    if (!existing) {
      await db.user.create({
        data: { email: login.email, name: login.name, role: login.role, planId, passwordHash: await hashPassword(login.password) },
      });
    }
  }

  const existing = await db.proxyProvider.findUnique({ where: { name: DEMO_PROVIDER_NAME }, select: { id: true } });
  const saved = await saveProvider(
    db,
    cipher,
    {
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
    },
    existing?.id,
  );
  if ((await db.proxy.count({ where: { providerId: saved.id } })) === 0) {
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
}

const DEMO_CHIPS = [
  { owner: 'business@chipgate.local', label: 'Atendimento', phoneNumber: '+55 11 90000-0001' },
  { owner: 'business@chipgate.local', label: 'Vendas', phoneNumber: '+55 11 90000-0002' },
  { owner: 'enterprise@chipgate.local', label: 'Suporte', phoneNumber: '+55 21 90000-0003' },
] as const;

/** Demo chips with running workflows, so the dashboards show live, really metered traffic. */
export async function ensureDemoChips(db: Db, chips: ChipWorkflowClient, meterIntervalSeconds: number): Promise<void> {
  for (const demo of DEMO_CHIPS) {
    const owner = await db.user.findUniqueOrThrow({ where: { email: demo.owner } });
    const existing = await db.chip.findFirst({ where: { ownerId: owner.id, label: demo.label } });
    const chip = existing ?? (await db.chip.create({ data: { ownerId: owner.id, label: demo.label, phoneNumber: demo.phoneNumber, region: 'br' } }));
    if (!chip.deletedAt) await chips.start({ chipId: chip.id, userId: owner.id, settings: { meterIntervalSeconds } });
  }
}
