import type { ActionDefinition } from './action.js';
import { checkHlrSubscriber } from './check-hlr-subscriber.js';
import { checkHttpResource } from './check-http-resource.js';
import { checkModemSeen } from './check-modem-seen.js';
import { checkOcsAccount } from './check-ocs-account.js';
import { checkRadiusUser } from './check-radius-user.js';
import { customerValidate } from './customer-validate.js';
import { httpRequest } from './http-request.js';
import { inventoryAssign } from './inventory-assign.js';
import { inventoryRelease } from './inventory-release.js';
import { mailSend } from './mail-send.js';
import { networkDeleteRadiusUser } from './network-delete-radius-user.js';
import { ocsDeleteAccount, ocsSetAccountState } from './ocs-account.js';
import { paymentCharge } from './payment-charge.js';
import { serviceSetStatus } from './service-set-status.js';
import { networkActivateSim } from './network-activate-sim.js';
import { networkCreateRadiusUser } from './network-create-radius-user.js';
import { networkUpdateRadiusUser } from './network-update-radius-user.js';
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
    networkUpdateRadiusUser,
    serviceActivate,
    serviceAddAddon,
    ticketCreate,
    mailSend,
    httpRequest,
    paymentCharge,
    ocsSetAccountState,
    ocsDeleteAccount,
    networkDeleteRadiusUser,
    inventoryRelease,
    serviceSetStatus,
    checkHlrSubscriber,
    checkOcsAccount,
    checkRadiusUser,
    checkModemSeen,
    checkHttpResource,
  ].map((a) => [a.name, a as unknown as ActionDefinition]),
);
