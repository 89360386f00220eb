import type { Generated } from 'kysely';

export interface CustomersTable {
  id: Generated<number>;
  type: 'individual' | 'business';
  name: string;
  status: Generated<'active' | 'suspended' | 'closed'>;
  email: string | null;
  phone: string | null;
  phoneDigits: Generated<string>;
  phoneDigitsRev: Generated<string>;
  paymentType: Generated<'card' | 'direct_debit' | 'invoice' | 'prepaid'>;
  companyNumber: string | null;
  paymentCustomerRef: Generated<string | null>;
  language: Generated<'en' | 'fr' | null>;
  createdAt: Generated<string>;
  updatedAt: Generated<string>;
}

export interface ContactsTable {
  id: Generated<number>;
  customerId: number;
  role: 'billing' | 'technical' | 'other';
  name: string;
  email: string | null;
  phone: string | null;
  createdAt: Generated<string>;
}

export interface SitesTable {
  id: Generated<number>;
  customerId: number;
  name: string;
  addressLine1: string;
  addressLine2: string | null;
  city: string;
  postcode: string;
  country: Generated<string>;
  createdAt: Generated<string>;
}

export interface PaymentMethodsTable {
  id: Generated<number>;
  customerId: number;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  holderName: string | null;
  gatewayRef: string | null;
  isDefault: Generated<boolean>;
  createdAt: Generated<string>;
}

export interface CustomersTables {
  customers: CustomersTable;
  contacts: ContactsTable;
  sites: SitesTable;
  paymentMethods: PaymentMethodsTable;
}
