import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../src/integrations/errors.js';
import { CgratesOcs } from '../../src/integrations/ocs/cgrates-ocs.js';
import { body, startTestApp, type TestApp } from '../helpers/app.js';
import { startCgratesStub } from '../helpers/cgrates-stub.js';
import { assign, waitForEnd } from '../helpers/provisioning.js';

let stub: Awaited<ReturnType<typeof startCgratesStub>>;
beforeAll(async () => {
  stub = await startCgratesStub();
});
afterAll(() => stub?.close());

describe('CGRateS adapter (JSON-RPC over HTTP)', () => {
  it('creates an account with SetAccount and its starting balance, and reads it back with GetAccount', async () => {
    const ocs = new CgratesOcs(stub.url);
    const { account, created } = await ocs.createAccount({ account: 'SB1', plan: 'MOB-20GB', balances: [{ type: 'data', amount: 20480, unit: 'MB' }] });
    expect(created).toBe(true);
    expect(account.totals).toEqual({ 'data:MB': 20480 });
    const set = stub.calls.find((c) => c.method === 'APIerSv2.SetAccount')!;
    expect(set.params).toMatchObject({ Tenant: 'cgrates.org', Account: 'SB1', ActionPlanIDs: ['MOB-20GB'] });
    const add = stub.calls.find((c) => c.method === 'APIerSv1.AddBalance')!;
    expect(add.params).toMatchObject({ Tenant: 'cgrates.org', Account: 'SB1', BalanceType: '*data', Value: 20480 * 1024 * 1024, Balance: { ID: 'initial-0-data' } });
    expect(stub.calls.some((c) => c.method === 'APIerSv1.GetAccount')).toBe(true);

    const again = await ocs.createAccount({ account: 'SB1', plan: 'MOB-20GB', balances: [{ type: 'data', amount: 20480, unit: 'MB' }] });
    expect(again.created).toBe(false);
    expect(again.account.totals).toEqual({ 'data:MB': 20480 });
  });

  it('adds a top-up once per balance ID: a retried AddBalance never adds twice', async () => {
    const ocs = new CgratesOcs(stub.url);
    const before = stub.calls.filter((c) => c.method === 'APIerSv1.AddBalance').length;
    const first = await ocs.addBalance({ account: 'SB1', balanceId: 'prov-42', type: 'data', amount: 5120, unit: 'MB' });
    const second = await ocs.addBalance({ account: 'SB1', balanceId: 'prov-42', type: 'data', amount: 5120, unit: 'MB' });
    expect(first.added).toBe(true);
    expect(second.added).toBe(false);
    expect(second.account.totals['data:MB']).toBe(20480 + 5120);
    expect(stub.calls.filter((c) => c.method === 'APIerSv1.AddBalance').length).toBe(before + 1);
    expect(stub.accounts.get('cgrates.org:SB1')!.BalanceMap['*data']!.find((b) => b.ID === 'prov-42')!.Value).toBe(5120 * 1024 * 1024);
  });

  it('says the account is missing, and says "Unable to connect to OCS" when it is down', async () => {
    const ocs = new CgratesOcs(stub.url);
    expect(await ocs.getAccount('nobody')).toBeNull();
    await expect(ocs.addBalance({ account: 'nobody', balanceId: 'x', type: 'data', amount: 1, unit: 'MB' })).rejects.toMatchObject({ code: 'OCS_ACCOUNT_NOT_FOUND' });
    const down = new CgratesOcs('http://127.0.0.1:9/jsonrpc', 'cgrates.org', 2000);
    const err = await down.getAccount('SB1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toMatchObject({ code: 'OCS_UNREACHABLE', message: 'Unable to connect to OCS', retryable: true });
  });

  it('removes an account, and removing it again is harmless', async () => {
    const ocs = new CgratesOcs(stub.url);
    expect(await ocs.deleteAccount('SB1')).toEqual({ deleted: true });
    expect(await ocs.deleteAccount('SB1')).toEqual({ deleted: false });
  });
});

describe('Switchboard with OCS_URL set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { OCS_URL: stub.url, RETRY_DELAY_SCALE: '0.01' } });
  });
  afterAll(() => t?.close());

  it('provisions a mobile line and a data boost on CGRateS', async () => {
    const agent = await t.as('agent');
    const { res } = await assign(agent, { customerId: 100, product: 'mobile-20gb', templates: ['SIM Card', 'Mobile Number'] });
    const p = await waitForEnd(agent, body(res).id);
    expect(p.status).toBe('succeeded');
    const service = body(await agent.get(`/api/services/${p.service.id}`));
    expect(stub.accounts.has(`cgrates.org:${service.ocsAccount}`)).toBe(true);

    const boost = await assign(agent, { customerId: 100, product: 'data-boost-5gb', serviceId: service.id });
    expect((await waitForEnd(agent, body(boost.res).id)).status).toBe('succeeded');
    const balance = body(await agent.get(`/api/services/${service.id}/balance`));
    expect(balance.totals['data:MB']).toBe(20480 + 5120);
  });
});
