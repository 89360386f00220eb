import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for CGRateS's JSON-RPC API (POST /jsonrpc), with the semantics that matter:
 * SetAccount creates or updates; AddBalance ADDS the value to the balance with the same ID (so a
 * blind retry would count twice); GetAccount answers NOT_FOUND for an unknown account. It records
 * every call.
 */
export interface CgrCall {
  method: string;
  params: any;
}

export async function startCgratesStub() {
  const calls: CgrCall[] = [];
  const accounts = new Map<string, { ID: string; ActionPlanIDs: string[]; BalanceMap: Record<string, { ID: string; Value: number; Uuid: string }[]> }>();
  let n = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const { method, params, id } = JSON.parse(raw) as { method: string; params: any[]; id: number };
      const p = params[0];
      calls.push({ method, params: p });
      const key = `${p.Tenant}:${p.Account}`;
      const reply = (result: unknown, error: string | null = null) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id, result: error ? null : result, error }));
      };
      switch (method) {
        case 'APIerSv2.SetAccount': {
          const acc = accounts.get(key) ?? { ID: key, ActionPlanIDs: [], BalanceMap: {} };
          acc.ActionPlanIDs = p.ActionPlanIDs ?? [];
          accounts.set(key, acc);
          return reply('OK');
        }
        case 'APIerSv1.AddBalance': {
          const acc = accounts.get(key);
          if (!acc) return reply(null, 'ACCOUNT_NOT_FOUND');
          const list = (acc.BalanceMap[p.BalanceType] ??= []);
          const existing = list.find((b) => b.ID === p.Balance.ID);
          if (existing) existing.Value += p.Value;
          else list.push({ ID: p.Balance.ID, Value: p.Value, Uuid: `uuid-${++n}` });
          return reply('OK');
        }
        case 'APIerSv1.GetAccount': {
          const acc = accounts.get(key);
          return acc ? reply(acc) : reply(null, 'NOT_FOUND');
        }
        case 'APIerSv1.RemoveAccount':
          accounts.delete(key);
          return reply('OK');
        default:
          return reply(null, `SERVER_ERROR: unknown method ${method}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jsonrpc`;
  return { url, calls, accounts, close: () => new Promise<void>((r) => server.close(() => r())) };
}
