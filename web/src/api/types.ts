/**
 * The API's shapes, declared once as zod schemas on the server and inferred here: the console
 * imports the types only, never a second declaration.
 */
export type { Product } from '../../../src/catalog/catalog.schemas';
export type { Customer, CustomerDetail, Contact, Site, PaymentMethod, SearchHit } from '../../../src/customers/customers.schemas';
export type { Item, ItemPage, Template, AvailableInventory, ItemStatus, TemplateSummary } from '../../../src/inventory/inventory.schemas';
export type { Service, ServiceAddon, ServiceBalance, ServicePage, Ticket, ServiceStatus } from '../../../src/services/services.schemas';
export type { Progress, PreflightResult, Check, ProvisionLogs, ProvisionSummary, AssignmentInput, TaskStatus, ProvisionStatus } from '../../../src/provisioning/provisioning.schemas';
export type { User, Me, Providers, SignedIn, SecondFactorNeeded, TwoFactorStatus, TotpEnrolment, SecuritySettings } from '../../../src/users/users.schemas';
export type { ChargeBody as Charge, PaymentBody as Payment, BillingBody, TerminationQuote } from '../../../src/billing/billing.schemas';
export type { Batch, BatchRow, DryRunReport, RowError } from '../../../src/bulk/bulk.schemas';
export type { Endpoint as WebhookEndpoint, EndpointWithSecret as WebhookEndpointWithSecret, EndpointCreate as WebhookEndpointCreate, EndpointChange as WebhookEndpointChange, Delivery as WebhookDelivery, DeliveryStatus as WebhookDeliveryStatus, WebhookEventType } from '../../../src/webhooks/webhooks.schemas';
export type { Overview, OperationsWindow } from '../../../src/operations/operations.schemas';
export type { TriageList, TriageRow, TriageFilter, TriageState, BulkResult, RunOutcome } from '../../../src/provisioning/triage.schemas';
