import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadWorkerConfig, WorkerConfigError } from '@chipgate/worker/config';
import { parseWebEnv, WebEnvError } from '../../web/src/server/env';

const SECRET_KEY = Buffer.alloc(32, 3).toString('base64');
const web = { DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db', CHIPGATE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: 'whsec_x' } as NodeJS.ProcessEnv;
const worker = {
  ...web,
  STRIPE_WEBHOOK_SECRET: undefined,
  CHIPGATE_IP_ECHO_URL: 'https://ip.example.com',
  STRIPE_SECRET_KEY: 'sk_test_x',
  CHIPGATE_APP_URL: 'https://app.example.com',
} as NodeJS.ProcessEnv;

describe('the web environment', () => {
  it('defaults TEMPORAL_ADDRESS outside production only', () => {
    assert.equal(parseWebEnv(web).TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.throws(() => parseWebEnv({ ...web, NODE_ENV: 'production' }), /TEMPORAL_ADDRESS is not set: .*NODE_ENV=production/);
    assert.equal(parseWebEnv({ ...web, NODE_ENV: 'production', TEMPORAL_ADDRESS: 'temporal.internal:7233' }).TEMPORAL_ADDRESS, 'temporal.internal:7233');
    assert.throws(() => parseWebEnv({ ...web, TEMPORAL_ADDRESS: 'http://temporal:7233' }), /TEMPORAL_ADDRESS: must be host:port/);
  });
  it('names every missing or malformed variable at once', () => {
    const err = (() => {
      try {
        parseWebEnv({ DATABASE_URL: 'mysql://x', CHIPGATE_METER_INTERVAL_SECONDS: '0', CHIPGATE_METRICS_TOKEN: 'short' } as NodeJS.ProcessEnv);
      } catch (caught) {
        return caught;
      }
    })();
    assert.ok(err instanceof WebEnvError);
    for (const name of ['DATABASE_URL must be a postgresql:// URL', 'CHIPGATE_SECRET_KEY is not set', 'STRIPE_WEBHOOK_SECRET is not set', 'CHIPGATE_METER_INTERVAL_SECONDS: must be', 'CHIPGATE_METRICS_TOKEN: must be at least 16']) {
      assert.ok(err.message.includes(name), `${name} in:\n${err.message}`);
    }
  });
  it('needs the public URL for account emails, and an smtp URL whose value it never quotes', () => {
    assert.throws(() => parseWebEnv({ ...web, SMTP_URL: 'smtp://mail:25' }), /CHIPGATE_APP_URL is not set but SMTP_URL is/);
    const env = parseWebEnv({ ...web, SMTP_URL: 'smtp://mail:25', CHIPGATE_APP_URL: 'https://app.example.com' });
    assert.equal(env.ACCOUNT_EMAIL_FROM, 'Chipgate <accounts@chipgate.local>');
    assert.throws(
      () => parseWebEnv({ ...web, SMTP_URL: 'http://user:s3cret@mail', CHIPGATE_APP_URL: 'https://app.example.com' }),
      (err: Error) => /SMTP_URL: must be an smtp:\/\//.test(err.message) && !err.message.includes('s3cret'),
    );
  });
  it('refuses a key that is not 32 bytes', () => {
    assert.throws(() => parseWebEnv({ ...web, CHIPGATE_SECRET_KEY: 'abc' }), /CHIPGATE_SECRET_KEY/);
  });
});

describe('the worker environment', () => {
  it('loads the secrets and services with the settings', () => {
    const config = loadWorkerConfig(worker);
    assert.equal(config.services?.topUps.appUrl, 'https://app.example.com');
    assert.equal(config.temporalAddress, '127.0.0.1:7233');
  });
  it('names every missing variable at once, and needs TEMPORAL_ADDRESS in production', () => {
    const err = (() => {
      try {
        loadWorkerConfig({ NODE_ENV: 'production' } as NodeJS.ProcessEnv);
      } catch (caught) {
        return caught;
      }
    })();
    assert.ok(err instanceof WorkerConfigError);
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'CHIPGATE_IP_ECHO_URL', 'CHIPGATE_SECRET_KEY', 'STRIPE_SECRET_KEY', 'CHIPGATE_APP_URL']) {
      assert.ok(err.problems.some((problem) => problem.startsWith(`${name} `)), `${name} in:\n${err.message}`);
    }
  });
});
