import type { ProductInput } from '../catalog/catalog.schemas.js';

/** The demo operator: a catalog for all four service types, customers, stock and staff. */

export const demoUsers = [
  { email: 'admin@switchboard.local', name: 'Alex Admin', role: 'admin', password: 'switchboard-admin' },
  { email: 'agent@switchboard.local', name: 'Sam Agent', role: 'agent', password: 'switchboard-agent' },
  { email: 'viewer@switchboard.local', name: 'Vic Viewer', role: 'viewer', password: 'switchboard-viewer' },
] as const;

/** Each with a low-stock threshold (stock.low when fewer items are available): 20 of 150, 5 of 30 or 40. */
export const demoTemplates = [
  {
    name: 'SIM Card',
    names: { fr: 'Carte SIM' },
    description: 'Physical SIM cards; a SIM taken back is never reissued.',
    attributes: [
      { name: 'iccid', label: 'ICCID', required: true, pattern: '89[0-9]{17,18}' },
      { name: 'imsi', label: 'IMSI', required: true, pattern: '[0-9]{15}' },
    ],
    releaseTo: 'retired' as const,
    lowStockThreshold: 20,
  },
  {
    name: 'Mobile Number',
    names: { fr: 'Numéro de mobile' },
    description: 'UK mobile numbers (MSISDN); a number released is held back for a quarantine (NUMBER_QUARANTINE_DAYS), then goes back in stock.',
    attributes: [{ name: 'msisdn', label: 'MSISDN', required: true, pattern: '44[0-9]{10}' }],
    releaseTo: 'in_stock' as const,
    lowStockThreshold: 20,
  },
  {
    name: 'CPE Modem',
    names: { fr: 'Modem CPE' },
    description: 'Fibre routers shipped to the installation site.',
    attributes: [
      { name: 'serial', label: 'Serial', required: true },
      { name: 'mac', label: 'MAC', required: true, pattern: '([0-9A-F]{2}:){5}[0-9A-F]{2}' },
    ],
    releaseTo: 'in_stock' as const,
    lowStockThreshold: 5,
  },
  {
    name: 'Set-top Box',
    names: { fr: 'Décodeur TV' },
    description: 'IPTV decoders.',
    attributes: [
      { name: 'serial', label: 'Serial', required: true },
      { name: 'mac', label: 'MAC', required: true, pattern: '([0-9A-F]{2}:){5}[0-9A-F]{2}' },
    ],
    releaseTo: 'in_stock' as const,
    lowStockThreshold: 5,
  },
  {
    name: 'Landline Number',
    names: { fr: 'Numéro de ligne fixe' },
    description: 'Geographic numbers for VoIP lines.',
    attributes: [{ name: 'e164', label: 'Number', required: true, pattern: '44[0-9]{10}' }],
    releaseTo: 'in_stock' as const,
    lowStockThreshold: 5,
  },
];

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const hex = (n: number) => (n % 256).toString(16).toUpperCase().padStart(2, '0');
const mac = (prefix: string, n: number) => `${prefix}:${hex(Math.floor(n / 256))}:${hex(n)}`;

/** Stock for every template: SIM cards, +44 7700 900xxx numbers, modems, boxes, landlines. */
export function demoStock(): { template: string; items: { reference: string; attributes: Record<string, string>; status: 'new' | 'in_stock' }[] }[] {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  return [
    {
      template: 'SIM Card',
      items: range(150).map((i) => ({
        reference: `SIM-${pad(i + 100, 5)}`,
        attributes: { iccid: `8944${pad(i, 16)}`, imsi: `234150${pad(i, 9)}` },
        status: 'new',
      })),
    },
    {
      template: 'Mobile Number',
      items: range(150).map((i) => {
        const local = 900100 + i;
        return { reference: `+44 7700 ${local}`, attributes: { msisdn: `447700${local}` }, status: i % 3 === 0 ? 'in_stock' : 'new' };
      }),
    },
    {
      template: 'CPE Modem',
      items: range(40).map((i) => ({ reference: `CPE-${pad(i, 5)}`, attributes: { serial: `ZX${pad(i * 7919, 8)}`, mac: mac('00:1A:2B:3C', i) }, status: 'in_stock' })),
    },
    {
      template: 'Set-top Box',
      items: range(30).map((i) => ({ reference: `STB-${pad(i, 5)}`, attributes: { serial: `STB${pad(i * 104729, 9)}`, mac: mac('00:5E:6F:70', i) }, status: 'new' })),
    },
    {
      template: 'Landline Number',
      items: range(40).map((i) => {
        const local = 460000 + i;
        return { reference: `+44 20 79${pad(local, 6).slice(0, 2)} ${pad(local, 6).slice(2)}`, attributes: { e164: `442079${pad(local, 6)}` }, status: 'new' };
      }),
    },
  ];
}

const poNumber = {
  name: 'po_number',
  label: 'PO number',
  type: 'text' as const,
  required: true,
  pattern: 'PO-[0-9]{4}-[0-9]{6}',
  help: 'As on the purchase order, e.g. PO-2025-001234',
  customerTypes: ['business' as const],
};
const costCentre = { name: 'cost_centre', label: 'Cost centre', type: 'text' as const, required: false, pattern: '[A-Z0-9-]{2,20}', customerTypes: ['business' as const] };
const installationDate = {
  name: 'installation_date',
  label: 'Installation date',
  type: 'date' as const,
  required: true,
  help: 'The day an engineer installs the line',
};

type DemoProduct = Omit<ProductInput, 'description' | 'enabled' | 'icon' | 'terms' | 'features' | 'contractMonths' | 'prorateOnTermination' | 'earlyTerminationFee' | 'playbookVars' | 'customFields' | 'inventoryTemplates' | 'translations'> &
  Partial<ProductInput>;

const products: DemoProduct[] = [
  // --- mobile -----------------------------------------------------------------------------------
  {
    slug: 'mobile-20gb',
    name: 'Mobile - 20GB plan',
    description: 'A SIM-only plan with 20GB of data a month.',
    category: 'plan',
    serviceType: 'mobile',
    customerTypes: ['individual', 'business'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 1500,
    currency: 'GBP',
    contractMonths: 12,
    earlyTerminationFee: 4500,
    features: ['20GB data', 'Unlimited UK minutes and texts', '5G ready', 'EU roaming included'],
    icon: 'smartphone',
    terms: '12-month minimum term; ending it earlier costs an early termination charge of £45. Price rises each April by CPI + 3.9%. Fair use applies to roaming.',
    inventoryTemplates: ['SIM Card', 'Mobile Number'],
    playbook: 'mobile-new',
    playbookVars: { plan_code: 'MOB-20GB', data_mb: 20480, voice_minutes: 0, sms: 0 },
  },
  {
    slug: 'mobile-unlimited',
    name: 'Mobile - Unlimited plan',
    category: 'plan',
    serviceType: 'mobile',
    customerTypes: ['individual'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 2500,
    currency: 'GBP',
    contractMonths: 24,
    earlyTerminationFee: 7500,
    features: ['Unlimited data', 'Unlimited UK minutes and texts', '5G', 'Roam in 50 destinations'],
    icon: 'smartphone',
    terms: '24-month minimum term; ending it earlier costs an early termination charge of £75.',
    inventoryTemplates: ['SIM Card', 'Mobile Number'],
    playbook: 'mobile-new',
    playbookVars: { plan_code: 'MOB-UNL', data_mb: 1048576, voice_minutes: 0, sms: 0 },
  },
  {
    slug: 'mobile-30-day-pass',
    name: 'Mobile - 30-day pass',
    description: 'Pay once, use for 30 days; no renewal.',
    category: 'plan',
    serviceType: 'mobile',
    customerTypes: ['individual'],
    billing: 'one_off',
    setupFee: 1000,
    recurringPrice: 0,
    currency: 'GBP',
    features: ['10GB data', '500 UK minutes', 'No contract'],
    icon: 'smartphone',
    terms: 'Valid 30 days from activation.',
    inventoryTemplates: ['SIM Card', 'Mobile Number'],
    playbook: 'mobile-new',
    playbookVars: { plan_code: 'MOB-PASS30', data_mb: 10240, voice_minutes: 500, sms: 0 },
  },
  {
    slug: 'mobile-business-50gb',
    name: 'Mobile - Business 50GB',
    category: 'plan',
    serviceType: 'mobile',
    customerTypes: ['business'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 2000,
    currency: 'GBP',
    contractMonths: 24,
    prorateOnTermination: false,
    earlyTerminationFee: 6000,
    features: ['50GB data', 'Unlimited UK minutes and texts', 'Priority support', 'Shared company bill'],
    icon: 'briefcase',
    terms: '24-month minimum term, VAT excluded; ending it earlier costs an early termination charge of £60. The month in progress is not refunded.',
    inventoryTemplates: ['SIM Card', 'Mobile Number'],
    playbook: 'mobile-new',
    playbookVars: { plan_code: 'MOB-BIZ50', data_mb: 51200, voice_minutes: 0, sms: 0 },
    customFields: [poNumber, costCentre],
  },
  // --- internet ---------------------------------------------------------------------------------
  {
    slug: 'fibre-100',
    name: 'Fibre - 100Mbps',
    description: 'Full-fibre broadband with a router.',
    category: 'plan',
    serviceType: 'internet',
    customerTypes: ['individual', 'business'],
    billing: 'recurring',
    setupFee: 4900,
    recurringPrice: 2999,
    currency: 'GBP',
    contractMonths: 18,
    features: ['100Mbps download', '20Mbps upload', 'Wi-Fi 6 router included', 'No usage limits'],
    icon: 'wifi',
    terms: '18-month minimum term. An engineer installs the line on the chosen date.',
    inventoryTemplates: ['CPE Modem'],
    playbook: 'internet-new',
    playbookVars: { radius_profile: 'FTTP-100', download_kbps: 100000, upload_kbps: 20000 },
    customFields: [installationDate, poNumber],
  },
  {
    slug: 'fibre-900',
    name: 'Fibre - 900Mbps',
    category: 'plan',
    serviceType: 'internet',
    customerTypes: ['individual', 'business'],
    billing: 'recurring',
    setupFee: 4900,
    recurringPrice: 4999,
    currency: 'GBP',
    contractMonths: 24,
    features: ['900Mbps download', '110Mbps upload', 'Wi-Fi 6E router included'],
    icon: 'wifi',
    terms: '24-month minimum term.',
    inventoryTemplates: ['CPE Modem'],
    playbook: 'internet-new',
    playbookVars: { radius_profile: 'FTTP-900', download_kbps: 900000, upload_kbps: 110000 },
    customFields: [installationDate, poNumber],
  },
  // --- IPTV -------------------------------------------------------------------------------------
  {
    slug: 'iptv-essentials',
    name: 'IPTV - Essentials',
    category: 'plan',
    serviceType: 'iptv',
    customerTypes: ['individual'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 1200,
    currency: 'GBP',
    contractMonths: 12,
    features: ['80 channels', '7-day catch-up', 'HD set-top box'],
    icon: 'tv',
    terms: '12-month minimum term.',
    inventoryTemplates: ['Set-top Box'],
    playbook: 'iptv-new',
    playbookVars: { channel_package: 'ESSENTIALS', max_streams: 2 },
  },
  // --- VoIP -------------------------------------------------------------------------------------
  {
    slug: 'voip-line',
    name: 'VoIP - Business line',
    category: 'plan',
    serviceType: 'voip',
    customerTypes: ['business'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 800,
    currency: 'GBP',
    contractMonths: 12,
    features: ['Geographic number', 'Unlimited UK landline calls', 'Voicemail to e-mail'],
    icon: 'phone',
    terms: '12-month minimum term.',
    inventoryTemplates: ['Landline Number'],
    playbook: 'voip-new',
    playbookVars: { sip_domain: 'sip.switchboard.example', codec: 'G722' },
    customFields: [costCentre],
  },
  // --- add-ons ----------------------------------------------------------------------------------
  {
    slug: 'data-boost-5gb',
    name: '5GB data boost',
    description: 'Extra data, added at once, valid until the end of the billing period.',
    category: 'addon',
    serviceType: 'mobile',
    customerTypes: ['individual', 'business'],
    billing: 'one_off',
    setupFee: 500,
    recurringPrice: 0,
    currency: 'GBP',
    features: ['+5GB data at once', 'Valid to the end of the billing period'],
    icon: 'zap',
    terms: 'One-off charge. Unused data does not roll over.',
    playbook: 'mobile-addon-balance',
    playbookVars: { balance_type: 'data', amount_mb: 5120, balance_code: 'BOOST-5GB' },
  },
  {
    slug: 'roaming-world',
    name: 'World roaming pack',
    category: 'addon',
    serviceType: 'mobile',
    customerTypes: ['individual', 'business'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 600,
    currency: 'GBP',
    features: ['Use your allowance in 80 countries'],
    icon: 'globe',
    terms: 'Monthly, cancel any time.',
    playbook: 'mobile-addon-feature',
    playbookVars: { feature: 'WORLD_ROAMING' },
  },
  {
    slug: 'static-ip',
    name: 'Static IP address',
    category: 'addon',
    serviceType: 'internet',
    customerTypes: ['business', 'individual'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 500,
    currency: 'GBP',
    features: ['One fixed public IPv4 address'],
    icon: 'server',
    terms: 'Monthly, cancel any time.',
    playbook: 'internet-addon-static-ip',
    playbookVars: {},
  },
  {
    slug: 'iptv-sports',
    name: 'Sports channels',
    category: 'addon',
    serviceType: 'iptv',
    customerTypes: ['individual'],
    billing: 'recurring',
    setupFee: 0,
    recurringPrice: 1800,
    currency: 'GBP',
    features: ['12 sports channels in HD'],
    icon: 'trophy',
    terms: 'Monthly, 1-month minimum.',
    playbook: 'iptv-addon-package',
    playbookVars: { channel_package: 'SPORTS' },
  },
  {
    slug: 'voip-intl-500',
    name: '500 international minutes',
    category: 'addon',
    serviceType: 'voip',
    customerTypes: ['business', 'individual'],
    billing: 'one_off',
    setupFee: 1000,
    recurringPrice: 0,
    currency: 'GBP',
    features: ['500 minutes to 40 countries'],
    icon: 'phone-outgoing',
    terms: 'One-off, valid 90 days.',
    playbook: 'voip-addon-minutes',
    playbookVars: { balance_type: 'voice', amount_minutes: 500, balance_code: 'INTL-500' },
  },
];

const poNumberFr = { label: 'Numéro de bon de commande', help: 'Tel que sur le bon de commande, par ex. PO-2025-001234' };
const costCentreFr = { label: 'Centre de coût' };
const installationDateFr = { label: "Date d'installation", help: 'Le jour où un technicien installe la ligne' };

/** The catalog in French (R13): the names, descriptions, features and terms staff read in the console in French. */
const french: Record<string, NonNullable<ProductInput['translations']>[string]> = {
  'mobile-20gb': {
    name: 'Mobile - forfait 20 Go',
    description: 'Un forfait sans engagement de mobile, 20 Go de données par mois.',
    features: ['20 Go de données', 'Appels et SMS illimités au Royaume-Uni', 'Compatible 5G', 'Itinérance UE incluse'],
    terms: "Engagement de 12 mois ; une résiliation anticipée entraîne des frais de 45 £. Le prix augmente chaque avril de l'IPC + 3,9 %. Usage raisonnable en itinérance.",
  },
  'mobile-unlimited': {
    name: 'Mobile - forfait illimité',
    features: ['Données illimitées', 'Appels et SMS illimités au Royaume-Uni', '5G', 'Itinérance dans 50 destinations'],
    terms: 'Engagement de 24 mois ; une résiliation anticipée entraîne des frais de 75 £.',
  },
  'mobile-30-day-pass': {
    name: 'Mobile - pass 30 jours',
    description: 'Payez une fois, utilisez pendant 30 jours ; sans renouvellement.',
    features: ['10 Go de données', '500 minutes au Royaume-Uni', 'Sans engagement'],
    terms: "Valable 30 jours à compter de l'activation.",
  },
  'mobile-business-50gb': {
    name: 'Mobile - Entreprise 50 Go',
    features: ['50 Go de données', 'Appels et SMS illimités au Royaume-Uni', 'Assistance prioritaire', "Facture unique pour l'entreprise"],
    terms: "Engagement de 24 mois, hors TVA ; une résiliation anticipée entraîne des frais de 60 £. Le mois en cours n'est pas remboursé.",
    customFields: { po_number: poNumberFr, cost_centre: costCentreFr },
  },
  'fibre-100': {
    name: 'Fibre - 100 Mbit/s',
    description: 'Internet très haut débit par fibre, avec un routeur.',
    features: ['100 Mbit/s en réception', '20 Mbit/s en émission', 'Routeur Wi-Fi 6 inclus', "Pas de limite d'usage"],
    terms: "Engagement de 18 mois. Un technicien installe la ligne à la date choisie.",
    customFields: { installation_date: installationDateFr, po_number: poNumberFr },
  },
  'fibre-900': {
    name: 'Fibre - 900 Mbit/s',
    features: ['900 Mbit/s en réception', '110 Mbit/s en émission', 'Routeur Wi-Fi 6E inclus'],
    terms: 'Engagement de 24 mois.',
    customFields: { installation_date: installationDateFr, po_number: poNumberFr },
  },
  'iptv-essentials': {
    name: 'IPTV - Essentiel',
    features: ['80 chaînes', 'Replay 7 jours', 'Décodeur HD'],
    terms: 'Engagement de 12 mois.',
  },
  'voip-line': {
    name: 'VoIP - Ligne entreprise',
    features: ['Numéro géographique', 'Appels illimités vers les fixes au Royaume-Uni', 'Messagerie vocale par e-mail'],
    terms: 'Engagement de 12 mois.',
    customFields: { cost_centre: costCentreFr },
  },
  'data-boost-5gb': {
    name: 'Recharge de données 5 Go',
    description: "Des données en plus, ajoutées tout de suite, valables jusqu'à la fin de la période de facturation.",
    features: ['+5 Go de données tout de suite', "Valable jusqu'à la fin de la période de facturation"],
    terms: 'Paiement unique. Les données non utilisées ne sont pas reportées.',
  },
  'roaming-world': { name: 'Pack itinérance monde', features: ['Utilisez votre forfait dans 80 pays'], terms: 'Mensuel, résiliable à tout moment.' },
  'static-ip': { name: 'Adresse IP fixe', features: ['Une adresse IPv4 publique fixe'], terms: 'Mensuel, résiliable à tout moment.' },
  'iptv-sports': { name: 'Chaînes sport', features: ['12 chaînes de sport en HD'], terms: 'Mensuel, engagement d’un mois.' },
  'voip-intl-500': { name: '500 minutes internationales', features: ['500 minutes vers 40 pays'], terms: 'Paiement unique, valable 90 jours.' },
};

export const demoProducts: ProductInput[] = products.map((p) => ({
  description: '',
  enabled: true,
  icon: '',
  terms: '',
  features: [],
  contractMonths: 0,
  prorateOnTermination: true,
  earlyTerminationFee: 0,
  playbookVars: {},
  customFields: [],
  inventoryTemplates: [],
  translations: french[p.slug] ? { fr: french[p.slug]! } : {},
  ...p,
}));

export interface DemoCustomer {
  type: 'individual' | 'business';
  name: string;
  email: string;
  phone: string;
  status?: 'active' | 'suspended';
  paymentType?: 'card' | 'invoice' | 'direct_debit';
  companyNumber?: string;
  /** The language of their e-mails; the operator's default (English) if absent. */
  language?: 'en' | 'fr';
  card?: { brand: string; last4: string; expMonth: number; expYear: number };
  contacts?: { role: 'billing' | 'technical'; name: string; email: string; phone?: string }[];
  sites?: { name: string; addressLine1: string; city: string; postcode: string }[];
}

export const demoCustomers: DemoCustomer[] = [
  { type: 'individual', name: 'John Smith', email: 'john.smith@example.com', phone: '+1234567890', card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 }, sites: [{ name: 'Home', addressLine1: '221 Baker Street', city: 'London', postcode: 'NW1 6XE' }] },
  { type: 'individual', name: 'John Doe', email: 'john.doe@example.com', phone: '+44 7700 900001', card: { brand: 'mastercard', last4: '4444', expMonth: 6, expYear: 2029 } },
  {
    type: 'business',
    name: 'Acme Ltd',
    email: 'accounts@acme.example',
    phone: '+44 20 7946 0100',
    paymentType: 'card',
    companyNumber: '01234567',
    card: { brand: 'amex', last4: '0005', expMonth: 3, expYear: 2031 },
    contacts: [
      { role: 'billing', name: 'Jane Doe', email: 'jane@acme.example', phone: '+44 20 7946 0101' },
      { role: 'technical', name: 'Bob Smith', email: 'bob@acme.example', phone: '+44 20 7946 0102' },
    ],
    sites: [
      { name: 'London office', addressLine1: '123 Main St', city: 'London', postcode: 'EC1A 1BB' },
      { name: 'Manchester warehouse', addressLine1: '45 Dock Road', city: 'Manchester', postcode: 'M1 1AE' },
    ],
  },
  {
    type: 'business',
    name: 'Johnson Enterprises',
    email: 'it@johnson-ent.example',
    phone: '+44 161 496 0200',
    paymentType: 'invoice',
    companyNumber: '07654321',
    card: { brand: 'visa', last4: '1881', expMonth: 9, expYear: 2030 },
    contacts: [
      { role: 'billing', name: 'Priya Johnson', email: 'priya@johnson-ent.example' },
      { role: 'technical', name: 'Tom Baker', email: 'tom@johnson-ent.example' },
    ],
    sites: [{ name: 'Head office', addressLine1: '8 Piccadilly', city: 'Manchester', postcode: 'M1 2AB' }],
  },
  { type: 'individual', name: 'Maria Garcia', email: 'maria.garcia@example.com', phone: '+44 7700 900002', card: { brand: 'visa', last4: '1111', expMonth: 1, expYear: 2032 } },
  { type: 'individual', name: 'Amit Patel', email: 'amit.patel@example.com', phone: '+44 7700 900003', card: { brand: 'visa', last4: '0002', expMonth: 8, expYear: 2029 } },
  { type: 'individual', name: "Sarah O'Connor", email: 'sarah.oconnor@example.com', phone: '+44 7700 900004' },
  { type: 'individual', name: 'Claire Dubois', email: 'claire.dubois@example.fr', phone: '+33 6 12 34 56 78', language: 'fr', card: { brand: 'mastercard', last4: '5100', expMonth: 11, expYear: 2030 } },
  { type: 'individual', name: 'Li Wei', email: 'li.wei@example.com', phone: '+44 7700 900005', status: 'suspended', card: { brand: 'visa', last4: '4000', expMonth: 4, expYear: 2030 } },
];
