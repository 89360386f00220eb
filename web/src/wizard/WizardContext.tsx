import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';
import type { Product } from '../api/types';
import { AssignWizard } from './AssignWizard';

/**
 * Where an assignment starts (R1.1): from the catalog (a product), from a customer's Services tab
 * (a customer), or from a service's add-ons (a customer and a service). What is known is skipped.
 */
export interface WizardStart {
  product?: Product;
  customerId?: number;
  serviceId?: number;
  category?: 'plan' | 'addon';
}

const Ctx = createContext<(start: WizardStart) => void>(() => undefined);

export function WizardProvider({ children }: { children: ReactNode }) {
  const [start, setStart] = useState<(WizardStart & { key: number }) | null>(null);
  const open = useCallback((s: WizardStart) => setStart({ ...s, key: Date.now() }), []);
  return (
    <Ctx.Provider value={open}>
      {children}
      {start && <AssignWizard key={start.key} start={start} onClose={() => setStart(null)} />}
    </Ctx.Provider>
  );
}

export const useOpenWizard = () => useContext(Ctx);
