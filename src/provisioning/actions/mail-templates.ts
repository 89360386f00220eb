import { messageLanguage } from '../../shared/schemas.js';

/** An e-mail as a subject and a body, Liquid templates over the run's variables. */
export interface MailTemplate {
  subject: string;
  body: string;
}
type Language = (typeof messageLanguage.options)[number];

/**
 * The e-mails playbooks send, each in English (the operator's default) and in the other
 * languages a customer may be written to in (R13). A customer whose language a template lacks
 * gets the English one. The product's name and features are rendered in the same language.
 */
export const mailTemplates: Record<string, { en: MailTemplate } & Partial<Record<Exclude<Language, 'en'>, MailTemplate>>> = {
  plain: {
    en: { subject: 'About your {{ product.name }} service', body: 'Hello {{ customer.name }},\n\nThis is a message about your {{ product.name }} service.\n\nThe Switchboard team' },
    fr: { subject: 'À propos de votre service {{ product.name }}', body: "Bonjour {{ customer.name }},\n\nCe message concerne votre service {{ product.name }}.\n\nL'équipe Switchboard" },
  },
  'welcome-mobile': {
    en: {
      subject: "Welcome to your new mobile line {{ inventory['Mobile Number'].reference }}",
      body: `Hello {{ customer.name }},

Welcome to {{ product.name }}. Your new number is {{ inventory['Mobile Number'].reference }}.
Insert the SIM card {{ inventory['SIM Card'].reference }} and restart your phone: the line works at once.

Your plan: {{ product.features | join: ', ' }}.
Service reference: {{ service.id }}.

The Switchboard team`,
    },
    fr: {
      subject: "Bienvenue sur votre nouvelle ligne mobile {{ inventory['Mobile Number'].reference }}",
      body: `Bonjour {{ customer.name }},

Bienvenue sur {{ product.name }}. Votre nouveau numéro est le {{ inventory['Mobile Number'].reference }}.
Insérez la carte SIM {{ inventory['SIM Card'].reference }} et redémarrez votre téléphone : la ligne fonctionne aussitôt.

Votre forfait : {{ product.features | join: ', ' }}.
Référence du service : {{ service.id }}.

L'équipe Switchboard`,
    },
  },
  'welcome-internet': {
    en: {
      subject: 'Your {{ product.name }} installation is booked{% if custom_fields.installation_date %} for {{ custom_fields.installation_date }}{% endif %}',
      body: `Hello {{ customer.name }},

Your {{ product.name }} order is confirmed (service reference {{ service.id }}).
An engineer will install it{% if site %} at {{ site.address }}, {{ site.city }} {{ site.postcode }}{% endif %}{% if custom_fields.installation_date %} on {{ custom_fields.installation_date }}{% endif %}.
Your router ({{ inventory['CPE Modem'].reference }}) comes with the engineer.

The Switchboard team`,
    },
    fr: {
      subject: 'Votre installation {{ product.name }} est programmée{% if custom_fields.installation_date %} pour le {{ custom_fields.installation_date }}{% endif %}',
      body: `Bonjour {{ customer.name }},

Votre commande {{ product.name }} est confirmée (référence du service {{ service.id }}).
Un technicien viendra l'installer{% if site %} au {{ site.address }}, {{ site.postcode }} {{ site.city }}{% endif %}{% if custom_fields.installation_date %} le {{ custom_fields.installation_date }}{% endif %}.
Votre routeur ({{ inventory['CPE Modem'].reference }}) sera apporté par le technicien.

L'équipe Switchboard`,
    },
  },
  'welcome-iptv': {
    en: {
      subject: 'Your TV service is ready',
      body: `Hello {{ customer.name }},

Your {{ product.name }} service is ready (service reference {{ service.id }}).
Connect the set-top box {{ inventory['Set-top Box'].reference }} to your TV and router.

The Switchboard team`,
    },
    fr: {
      subject: 'Votre service TV est prêt',
      body: `Bonjour {{ customer.name }},

Votre service {{ product.name }} est prêt (référence du service {{ service.id }}).
Branchez le décodeur {{ inventory['Set-top Box'].reference }} à votre téléviseur et à votre box.

L'équipe Switchboard`,
    },
  },
  'welcome-voip': {
    en: {
      subject: "Your new phone line {{ inventory['Landline Number'].reference }}",
      body: `Hello {{ customer.name }},

Your new phone line {{ inventory['Landline Number'].reference }} is ready (service reference {{ service.id }}).

The Switchboard team`,
    },
    fr: {
      subject: "Votre nouvelle ligne téléphonique {{ inventory['Landline Number'].reference }}",
      body: `Bonjour {{ customer.name }},

Votre nouvelle ligne téléphonique {{ inventory['Landline Number'].reference }} est prête (référence du service {{ service.id }}).

L'équipe Switchboard`,
    },
  },
  'addon-added': {
    en: {
      subject: '{{ product.name }} added to {{ service.name }}',
      body: `Hello {{ customer.name }},

{{ product.name }} has been added to {{ service.name }}. It works now.

The Switchboard team`,
    },
    fr: {
      subject: '{{ product.name }} ajouté à {{ service.name }}',
      body: `Bonjour {{ customer.name }},

{{ product.name }} a été ajouté à {{ service.name }}. Il fonctionne dès maintenant.

L'équipe Switchboard`,
    },
  },
  'service-suspended': {
    en: {
      subject: 'Your service {{ service.name }} is suspended',
      body: `Hello {{ customer.name }},

Your service {{ service.name }} is suspended{% if vars.reason == 'non_payment' %} because we could not take your payments{% endif %}.
{% if vars.reason == 'non_payment' %}Please update your card or call us: the service works again as soon as the payment is taken.{% else %}Call us if you did not expect this.{% endif %}

The Switchboard team`,
    },
    fr: {
      subject: 'Votre service {{ service.name }} est suspendu',
      body: `Bonjour {{ customer.name }},

Votre service {{ service.name }} est suspendu{% if vars.reason == 'non_payment' %} car nous n'avons pas pu encaisser vos paiements{% endif %}.
{% if vars.reason == 'non_payment' %}Mettez à jour votre carte ou appelez-nous : le service refonctionne dès que le paiement est encaissé.{% else %}Appelez-nous si vous ne vous y attendiez pas.{% endif %}

L'équipe Switchboard`,
    },
  },
  'service-restored': {
    en: {
      subject: 'Your service {{ service.name }} works again',
      body: `Hello {{ customer.name }},

Your service {{ service.name }} works again. Thank you.

The Switchboard team`,
    },
    fr: {
      subject: 'Votre service {{ service.name }} fonctionne de nouveau',
      body: `Bonjour {{ customer.name }},

Votre service {{ service.name }} fonctionne de nouveau. Merci.

L'équipe Switchboard`,
    },
  },
  'service-renewed': {
    en: {
      subject: 'Your service {{ service.name }} is renewed',
      body: `Hello {{ customer.name }},

Your service {{ service.name }} ({{ product.name }}) is renewed. Thank you for staying with us.

The Switchboard team`,
    },
    fr: {
      subject: 'Votre service {{ service.name }} est renouvelé',
      body: `Bonjour {{ customer.name }},

Votre service {{ service.name }} ({{ product.name }}) est renouvelé. Merci de votre fidélité.

L'équipe Switchboard`,
    },
  },
  'service-expired': {
    en: {
      subject: 'Your service {{ service.name }} has ended',
      body: `Hello {{ customer.name }},

Your service {{ service.name }} ({{ product.name }}) has reached the end of its contract and has ended.
Call us or visit a shop to renew it.

The Switchboard team`,
    },
    fr: {
      subject: 'Votre service {{ service.name }} a pris fin',
      body: `Bonjour {{ customer.name }},

Votre service {{ service.name }} ({{ product.name }}) est arrivé au terme de son contrat et a pris fin.
Appelez-nous ou passez en boutique pour le renouveler.

L'équipe Switchboard`,
    },
  },
  'service-terminated': {
    en: {
      subject: 'Your service {{ service.name }} is terminated',
      body: `Hello {{ customer.name }},

Your service {{ service.name }} ({{ product.name }}) is terminated. Thank you for having been with us.

The Switchboard team`,
    },
    fr: {
      subject: 'Votre service {{ service.name }} est résilié',
      body: `Bonjour {{ customer.name }},

Votre service {{ service.name }} ({{ product.name }}) est résilié. Merci de nous avoir fait confiance.

L'équipe Switchboard`,
    },
  },
};

/** The template in `lang`, or in English when it has none in that language. */
export function mailTemplateIn(name: string, lang: string | null | undefined): MailTemplate | undefined {
  const t = mailTemplates[name];
  if (!t) return undefined;
  return (lang && (t as Record<string, MailTemplate | undefined>)[lang]) || t.en;
}
