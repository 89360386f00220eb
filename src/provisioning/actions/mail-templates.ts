/** The bodies of the e-mails playbooks send, as Liquid templates over the run's variables. */
export const mailTemplates: Record<string, string> = {
  plain: `Hello {{ customer.name }},

This is a message about your {{ product.name }} service.

The Switchboard team`,
  'welcome-mobile': `Hello {{ customer.name }},

Welcome to {{ product.name }}. Your new number is {{ inventory['Mobile Number'].reference }}.
Insert the SIM card {{ inventory['SIM Card'].reference }} and restart your phone: the line works at once.

Your plan: {{ product.features | join: ', ' }}.
Service reference: {{ service.id }}.

The Switchboard team`,
  'welcome-internet': `Hello {{ customer.name }},

Your {{ product.name }} order is confirmed (service reference {{ service.id }}).
An engineer will install it{% if site %} at {{ site.address }}, {{ site.city }} {{ site.postcode }}{% endif %}{% if custom_fields.installation_date %} on {{ custom_fields.installation_date }}{% endif %}.
Your router ({{ inventory['CPE Modem'].reference }}) comes with the engineer.

The Switchboard team`,
  'welcome-iptv': `Hello {{ customer.name }},

Your {{ product.name }} service is ready (service reference {{ service.id }}).
Connect the set-top box {{ inventory['Set-top Box'].reference }} to your TV and router.

The Switchboard team`,
  'welcome-voip': `Hello {{ customer.name }},

Your new phone line {{ inventory['Landline Number'].reference }} is ready (service reference {{ service.id }}).

The Switchboard team`,
  'addon-added': `Hello {{ customer.name }},

{{ product.name }} has been added to {{ service.name }}. It works now.

The Switchboard team`,
  'service-suspended': `Hello {{ customer.name }},

Your service {{ service.name }} is suspended{% if vars.reason == 'non_payment' %} because we could not take your payments{% endif %}.
{% if vars.reason == 'non_payment' %}Please update your card or call us: the service works again as soon as the payment is taken.{% else %}Call us if you did not expect this.{% endif %}

The Switchboard team`,
  'service-restored': `Hello {{ customer.name }},

Your service {{ service.name }} works again. Thank you.

The Switchboard team`,
  'service-expired': `Hello {{ customer.name }},

Your service {{ service.name }} ({{ product.name }}) has reached the end of its contract and has ended.
Call us or visit a shop to renew it.

The Switchboard team`,
  'service-terminated': `Hello {{ customer.name }},

Your service {{ service.name }} ({{ product.name }}) is terminated. Thank you for having been with us.

The Switchboard team`,
};
