import { limited, type SystemLimits } from '../limits.js';
import { TaskError, unreachable } from '../errors.js';
import { type BalanceInput, type BalanceType, type OcsAccount, type OcsAdapter, type OcsBalance, totalsOf } from './ocs.js';

/**
 * CGRateS over its JSON-RPC HTTP API (`POST /jsonrpc`): APIerSv2.SetAccount creates or updates
 * an account, APIerSv1.AddBalance adds a balance that carries our balance ID, APIerSv1.GetAccount
 * reads back what was written, and APIerSv1.RemoveAccount deletes. AddBalance adds to a balance
 * of the same ID, so a top-up first looks for its ID and adds only when it is not there.
 */
const cgrType: Record<BalanceType, string> = { data: '*data', voice: '*voice', monetary: '*monetary', feature: '*generic' };
const fromCgrType: Record<string, BalanceType> = { '*data': 'data', '*voice': 'voice', '*monetary': 'monetary', '*generic': 'feature' };

/** CGRateS counts data in bytes and voice in nanoseconds; Switchboard speaks MB and minutes. */
function toCgrValue(b: BalanceInput): number {
  if (b.type === 'data' && b.unit === 'MB') return b.amount * 1024 * 1024;
  if (b.type === 'voice' && b.unit === 'minutes') return b.amount * 60 * 1e9;
  return b.amount;
}
function fromCgrValue(type: BalanceType, value: number): { amount: number; unit: string } {
  if (type === 'data') return { amount: value / (1024 * 1024), unit: 'MB' };
  if (type === 'voice') return { amount: value / (60 * 1e9), unit: 'minutes' };
  return { amount: value, unit: type === 'monetary' ? 'GBP' : 'units' };
}

interface CgrAccount {
  ID: string;
  Disabled?: boolean;
  BalanceMap?: Record<string, { ID: string; Value: number; Uuid?: string }[] | null> | null;
}

export class CgratesOcs implements OcsAdapter {
  readonly kind = 'cgrates' as const;
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly tenant = 'cgrates.org',
    private readonly timeoutMs = 10_000,
    private readonly limits?: SystemLimits,
  ) {}

  private rpc<T>(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    return limited(this.limits, 'ocs', signal, () => this.rpcNow<T>(method, params, signal));
  }

  private async rpcNow<T>(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    let res: Response;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method, params: [params], id: this.nextId++ }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw unreachable('OCS', 'OCS');
    }
    if (!res.ok) throw new TaskError('OCS_ERROR', `OCS answered HTTP ${res.status} to ${method}`, 'Look at the OCS logs, then retry.', true);
    const body = (await res.json()) as { result?: T; error?: string | null };
    if (body.error) {
      if (body.error === 'NOT_FOUND') throw new TaskError('OCS_NOT_FOUND', `OCS: ${method} found nothing`, undefined, false);
      throw new TaskError('OCS_ERROR', `OCS refused ${method}: ${body.error}`, 'Check the request against the OCS configuration.', false);
    }
    return body.result as T;
  }

  async getAccount(account: string, signal?: AbortSignal): Promise<OcsAccount | null> {
    let acc: CgrAccount;
    try {
      acc = await this.rpc<CgrAccount>('APIerSv1.GetAccount', { Tenant: this.tenant, Account: account }, signal);
    } catch (e) {
      if (e instanceof TaskError && e.code === 'OCS_NOT_FOUND') return null;
      throw e;
    }
    const balances: OcsBalance[] = [];
    for (const [t, list] of Object.entries(acc.BalanceMap ?? {})) {
      const type = fromCgrType[t];
      if (!type) continue;
      for (const b of list ?? []) balances.push({ id: b.ID, type, ...fromCgrValue(type, b.Value) });
    }
    return { account, plan: null, state: acc.Disabled ? 'disabled' : 'active', balances, totals: totalsOf(balances) };
  }

  async createAccount(input: { account: string; plan: string | null; balances: BalanceInput[] }, signal?: AbortSignal) {
    const before = await this.getAccount(input.account, signal);
    await this.rpc('APIerSv2.SetAccount', { Tenant: this.tenant, Account: input.account, ActionPlanIDs: input.plan ? [input.plan] : [], ReloadScheduler: true }, signal);
    for (const [i, b] of input.balances.entries()) {
      await this.addBalance({ account: input.account, balanceId: `initial-${i}-${b.type}`, ...b }, signal);
    }
    const after = await this.getAccount(input.account, signal);
    if (!after) throw new TaskError('OCS_ERROR', `OCS did not keep account ${input.account}`, 'Look at the OCS logs, then retry.', true);
    return { account: { ...after, plan: input.plan }, created: !before };
  }

  /** SetAccount with ExtraOptions.Disabled: the account stays, and rates nothing while disabled. */
  async setAccountState(account: string, state: 'active' | 'disabled', signal?: AbortSignal) {
    const before = await this.getAccount(account, signal);
    if (!before) throw new TaskError('OCS_ACCOUNT_NOT_FOUND', `The OCS has no account ${account}.`, 'Check the service; it may never have been configured in the OCS.');
    if (before.state === state) return { changed: false };
    await this.rpc('APIerSv2.SetAccount', { Tenant: this.tenant, Account: account, ExtraOptions: { Disabled: state === 'disabled' } }, signal);
    return { changed: true };
  }

  async deleteAccount(account: string, signal?: AbortSignal) {
    const before = await this.getAccount(account, signal);
    if (!before) return { deleted: false };
    await this.rpc('APIerSv1.RemoveAccount', { Tenant: this.tenant, Account: account }, signal);
    return { deleted: true };
  }

  async addBalance(input: { account: string; balanceId: string } & BalanceInput, signal?: AbortSignal) {
    const current = await this.getAccount(input.account, signal);
    if (!current) throw new TaskError('OCS_ACCOUNT_NOT_FOUND', `The OCS has no account ${input.account}.`, 'The service was never configured in the OCS: re-run its provisioning first.');
    if (current.balances.some((b) => b.id === input.balanceId)) return { account: current, added: false };
    await this.rpc(
      'APIerSv1.AddBalance',
      { Tenant: this.tenant, Account: input.account, BalanceType: cgrType[input.type], Value: toCgrValue(input), Balance: { ID: input.balanceId }, Overwrite: false },
      signal,
    );
    const after = await this.getAccount(input.account, signal);
    if (!after?.balances.some((b) => b.id === input.balanceId)) {
      throw new TaskError('OCS_ERROR', `OCS did not keep balance ${input.balanceId}`, 'Look at the OCS logs, then retry.', true);
    }
    return { account: after, added: true };
  }
}
