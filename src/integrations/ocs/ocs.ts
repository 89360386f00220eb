/**
 * The online charging system (OCS): accounts and their balances (data, voice, money, features).
 * Every operation is safe to repeat: creating an account that exists changes nothing, and a
 * top-up carries a balance ID so that a retried one is never added twice.
 */
export type BalanceType = 'data' | 'voice' | 'monetary' | 'feature';

export interface BalanceInput {
  type: BalanceType;
  amount: number;
  unit: string;
}

export interface OcsBalance {
  id: string;
  type: BalanceType;
  unit: string;
  amount: number;
}

export interface OcsAccount {
  account: string;
  plan: string | null;
  state: 'active' | 'disabled';
  balances: OcsBalance[];
  /** Sums by "type:unit", e.g. { "data:MB": 25600 }. */
  totals: Record<string, number>;
}

export interface OcsAdapter {
  readonly kind: 'simulator' | 'cgrates';
  createAccount(input: { account: string; plan: string | null; balances: BalanceInput[] }, signal?: AbortSignal): Promise<{ account: OcsAccount; created: boolean }>;
  /** Many at once, when the OCS can (the built-in one); otherwise one call per account. */
  createAccounts?(inputs: { account: string; plan: string | null; balances: BalanceInput[] }[], signal?: AbortSignal): Promise<{ account: OcsAccount; created: boolean }[]>;
  deleteAccount(account: string, signal?: AbortSignal): Promise<{ deleted: boolean }>;
  /** Enables or disables an account (suspension, expiry); a disabled account rates nothing. */
  setAccountState(account: string, state: 'active' | 'disabled', signal?: AbortSignal): Promise<{ changed: boolean }>;
  /** Adds a balance once per `balanceId`; a repeat finds it there and adds nothing. */
  addBalance(input: { account: string; balanceId: string } & BalanceInput, signal?: AbortSignal): Promise<{ account: OcsAccount; added: boolean }>;
  getAccount(account: string, signal?: AbortSignal): Promise<OcsAccount | null>;
}

export function totalsOf(balances: OcsBalance[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const b of balances) totals[`${b.type}:${b.unit}`] = (totals[`${b.type}:${b.unit}`] ?? 0) + b.amount;
  return totals;
}
