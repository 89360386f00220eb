import type { ActionDefinition } from './action.js';
import { customerValidate } from './customer-validate.js';
import { httpRequest } from './http-request.js';
import { inventoryAssign } from './inventory-assign.js';
import { mailSend } from './mail-send.js';
import { networkActivateSim } from './network-activate-sim.js';
import { networkCreateRadiusUser } from './network-create-radius-user.js';
import { ocsAddBalance } from './ocs-add-balance.js';
import { ocsCreateAccount } from './ocs-create-account.js';
import { serviceActivate } from './service-activate.js';
import { serviceAddAddon } from './service-add-addon.js';
import { ticketCreate } from './ticket-create.js';

/** Every action a playbook task can name. */
export const actions: ReadonlyMap<string, ActionDefinition> = new Map(
  [
    customerValidate,
    inventoryAssign,
    ocsCreateAccount,
    ocsAddBalance,
    networkActivateSim,
    networkCreateRadiusUser,
    serviceActivate,
    serviceAddAddon,
    ticketCreate,
    mailSend,
    httpRequest,
  ].map((a) => [a.name, a as unknown as ActionDefinition]),
);
