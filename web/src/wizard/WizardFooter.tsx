import { createContext, type ReactNode, useContext } from 'react';
import { createPortal } from 'react-dom';

/** The wizard's footer, outside its scrolling body: every step's buttons go there, always in view. */
export const FooterSlot = createContext<HTMLElement | null>(null);

/** A step's own buttons (Confirm, Retry, View service), placed in the wizard's footer. */
export function WizardFooter({ children }: { children: ReactNode }) {
  const slot = useContext(FooterSlot);
  return slot ? createPortal(children, slot) : null;
}
