import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { admins, agents, anyStaff, ctxOf } from '../http/auth.js';
import { registerStrictJson } from '../http/edge.js';
import type { ZodApp } from '../http/types.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import { notFound } from '../shared/errors.js';
import type { TmfCatalog } from './tmf.catalog.js';
import { characteristic, entityRef, getQuery, Hrefs, idParams, listQuery, page, relatedParty, selectFields, tmfBase, tmfEntity, tmfErrorHandler, tmfErrors, typed, type TmfApi } from './tmf.common.js';
import type { TmfCustomers } from './tmf.customers.js';
import { hub, hubInput, type TmfHub } from './tmf.hub.js';
import type { TmfInventory } from './tmf.inventory.js';
import { cancelProductOrderInput, productOrderInput, productOrderUpdate, type TmfOrdering } from './tmf.ordering.js';

export interface TmfDeps {
  catalog: TmfCatalog;
  customers: TmfCustomers;
  inventory: TmfInventory;
  ordering: TmfOrdering;
  hub: TmfHub;
  stock: InventoryService;
  publicUrl: string | null | undefined;
}

// --- the TMF shapes (zod), in the OpenAPI document under each API's tag ------------------------
const str = z.string();
const productOffering = tmfEntity('TMF620_ProductOffering', { name: str, description: str, version: str, lastUpdate: str, lifecycleStatus: str, isBundle: z.boolean(), isSellable: z.boolean(), productSpecification: z.looseObject({}), productOfferingPrice: z.array(entityRef), category: z.array(entityRef) });
const productSpecification = tmfEntity('TMF620_ProductSpecification', { name: str, description: str, version: str, lastUpdate: str, lifecycleStatus: str, productSpecCharacteristic: z.array(z.looseObject({ name: str })), resourceSpecification: z.array(entityRef) });
const productOfferingPrice = tmfEntity('TMF620_ProductOfferingPrice', { name: str, version: str, lastUpdate: str, lifecycleStatus: str, priceType: str, price: z.looseObject({ unit: str, value: z.number() }) });
const category = tmfEntity('TMF620_Category', { name: str, lifecycleStatus: str, isRoot: z.boolean() });
const productOrder = tmfEntity('TMF622_ProductOrder', { state: str, orderDate: str, completionDate: str, relatedParty: z.array(relatedParty), productOrderItem: z.array(z.looseObject({ id: str, action: str, state: str })) });
const cancelProductOrder = tmfEntity('TMF622_CancelProductOrder', { state: str, productOrder: entityRef, cancellationReason: str });
const customer = tmfEntity('TMF629_Customer', { name: str, status: str, engagedParty: entityRef, contactMedium: z.array(z.looseObject({ mediumType: str })), paymentMethod: z.array(entityRef), account: z.array(entityRef), characteristic: z.array(characteristic) });
const product = tmfEntity('TMF637_Product', { name: str, status: str, productOffering: entityRef, productCharacteristic: z.array(characteristic), productPrice: z.array(z.looseObject({ priceType: str })), billingAccount: entityRef, relatedParty: z.array(relatedParty) });
const service = tmfEntity('TMF638_Service', { name: str, description: str, category: str, state: str, startDate: str, serviceCharacteristic: z.array(characteristic), serviceRelationship: z.array(z.looseObject({ relationshipType: str })), supportingService: z.array(entityRef), supportingResource: z.array(entityRef), serviceSpecification: entityRef, relatedParty: z.array(relatedParty), place: z.array(entityRef) });
const resource = tmfEntity('TMF639_Resource', { name: str, category: str, resourceStatus: str, administrativeState: str, usageState: str, resourceSpecification: entityRef, resourceCharacteristic: z.array(characteristic), relatedParty: z.array(relatedParty) });
const resourceSpecification = tmfEntity('TMF639_ResourceSpecification', { name: str, description: str, lifecycleStatus: str, resourceSpecCharacteristic: z.array(z.looseObject({ name: str })) });

const named = z.looseObject({ name: z.string().trim().min(1).max(200) });
const patchBody = z.looseObject({});

const tags: Record<TmfApi, string> = {
  catalog: 'TMF620 Product Catalog',
  ordering: 'TMF622 Product Ordering',
  customer: 'TMF629 Customer',
  productInventory: 'TMF637 Product Inventory',
  serviceInventory: 'TMF638 Service Inventory',
  resourceInventory: 'TMF639 Resource Inventory',
};

/**
 * The TM Forum Open APIs (v4), each in a scope of its own: its errors answer in the TMF shape,
 * and it takes `application/merge-patch+json` as JSON. Reads for any staff member, orders and
 * customer writes for agents, catalog and stock writes and hub registrations for admins (as the
 * console's own routes say); machines use a Bearer API token.
 */
export async function tmfRoutes(root: ZodApp, d: TmfDeps): Promise<void> {
  await root.register(async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.setErrorHandler(tmfErrorHandler);
    // TMF clients send PATCH as merge-patch JSON, and a DELETE with content-type JSON and no body
    // (TM Forum's own kits do): an empty body is no body; the rest is the server's strict JSON.
    registerStrictJson(app, { types: ['application/json', 'application/merge-patch+json', 'application/json-patch+json'], emptyIsNoBody: true });
    const h = (req: Parameters<typeof Hrefs.of>[0]) => Hrefs.of(req, d.publicUrl);

    /** GET list and GET by id for one resource. */
    type Listed = Record<string, unknown>[] | { paged: Record<string, unknown>[]; total: number };
    function reads(api: TmfApi, resource: string, schema: z.ZodType, list: (hr: Hrefs, query: Record<string, unknown> & { offset: number; limit: number }) => Promise<Listed> | Listed, get: (hr: Hrefs, id: string) => Promise<Record<string, unknown>>, opts: { trailingSlash?: boolean } = {}) {
      const base = `${tmfBase[api]}/${resource}`;
      for (const url of opts.trailingSlash ? [base, `${base}/`] : [base]) {
        app.get(url, {
          config: { auth: anyStaff },
          schema: { tags: [tags[api]], summary: `List or find ${resource} objects (fields=, attribute filters, offset and limit; X-Total-Count, X-Result-Count)`, querystring: listQuery, response: { 200: z.array(schema), ...tmfErrors }, ...(url.endsWith('/') && { hide: true }) },
          handler: async (req, reply) => {
            const query = req.query as Record<string, unknown> & { fields?: string; offset: number; limit: number };
            const listed = await list(h(req), query);
            if (Array.isArray(listed)) return page(reply, listed, query);
            // Filtered and paged already (in SQL): only the fields to select.
            reply.header('x-total-count', String(listed.total)).header('x-result-count', String(listed.paged.length));
            return listed.paged.map((e) => selectFields(e, query.fields));
          },
        });
      }
      app.get(`${base}/:id`, {
        config: { auth: anyStaff },
        schema: { tags: [tags[api]], summary: `Retrieve a ${resource} by ID (fields= selects attributes)`, params: idParams, querystring: getQuery, response: { 200: schema, ...tmfErrors } },
        handler: async (req) => selectFields(await get(h(req), req.params.id), req.query.fields),
      });
    }

    function hubRoutes(api: TmfApi) {
      app.post(`${tmfBase[api]}/hub`, {
        config: { auth: admins },
        schema: { tags: [tags[api]], summary: `Register a listener for this API's events, delivered with retries by the webhook sender`, body: hubInput, response: { 201: hub, ...tmfErrors } },
        handler: async (req, reply) => {
          const made = await d.hub.register(ctxOf(req), api, req.body);
          return reply.status(201).header('location', `${tmfBase[api]}/hub/${made.id}`).send(made);
        },
      });
      app.delete(`${tmfBase[api]}/hub/:id`, {
        config: { auth: admins },
        schema: { tags: [tags[api]], summary: 'Unregister a listener', params: idParams, response: { 204: z.null(), ...tmfErrors } },
        handler: async (req, reply) => {
          await d.hub.remove(ctxOf(req), req.params.id);
          return reply.status(204).send(null);
        },
      });
    }

    // --- TMF620 ------------------------------------------------------------------------------
    for (const [kind, schema] of [
      ['productSpecification', productSpecification],
      ['productOffering', productOffering],
      ['productOfferingPrice', productOfferingPrice],
    ] as const) {
      reads('catalog', kind, schema, (hr) => d.catalog.list(hr, kind), (hr, id) => d.catalog.get(hr, kind, id));
      app.post(`${tmfBase.catalog}/${kind}`, {
        config: { auth: admins },
        schema: { tags: [tags.catalog], summary: `Create a ${kind} (a draft "In design": it names no playbook, so nothing provisions it)`, body: named, response: { 201: schema, ...tmfErrors } },
        handler: async (req, reply) => reply.status(201).send(await d.catalog.create(ctxOf(req), h(req), kind, req.body)),
      });
      app.patch(`${tmfBase.catalog}/${kind}/:id`, {
        config: { auth: admins },
        schema: { tags: [tags.catalog], summary: `Change a ${kind} (a product's offering: name, description, lifecycleStatus Launched or Retired, through the catalog)`, params: idParams, body: patchBody, response: { 200: schema, ...tmfErrors } },
        handler: async (req) => d.catalog.update(ctxOf(req), h(req), kind, req.params.id, req.body),
      });
      app.delete(`${tmfBase.catalog}/${kind}/:id`, {
        config: { auth: admins },
        schema: { tags: [tags.catalog], summary: `Delete a draft ${kind} (a Switchboard product is retired, never deleted)`, params: idParams, response: { 204: z.null(), ...tmfErrors } },
        handler: async (req, reply) => {
          await d.catalog.remove(ctxOf(req), kind, req.params.id);
          return reply.status(204).send(null);
        },
      });
    }
    reads('catalog', 'category', category, (hr) => d.catalog.categories(hr), async (hr, id) => {
      const c = d.catalog.categories(hr).find((x) => x.id === id);
      if (!c) throw notFound('Category', id);
      return c;
    });
    hubRoutes('catalog');

    // --- TMF622 ------------------------------------------------------------------------------
    reads('ordering', 'productOrder', productOrder, (hr) => d.ordering.list(hr), (hr, id) => d.ordering.get(hr, id));
    app.post(`${tmfBase.ordering}/productOrder`, {
      config: { auth: agents },
      schema: {
        tags: [tags.ordering],
        summary: 'Order products: each "add" item is an assignment, checked and started as Confirm & Provision does (422 naming the failed checks)',
        body: productOrderInput,
        headers: z.object({
          'idempotency-key': z
            .string()
            .min(8, 'send one key per order, e.g. a UUID')
            .max(200)
            .optional()
            .describe('The same key again (a retry after a timeout) gives the same order, not a second one; with another body, 409'),
        }),
        response: { 201: productOrder, ...tmfErrors },
      },
      handler: async (req, reply) => {
        const created = await d.ordering.create(ctxOf(req), h(req), req.body, req.headers['idempotency-key']);
        return reply.status(201).header('location', created.href as string).send(created);
      },
    });
    app.patch(`${tmfBase.ordering}/productOrder/:id`, {
      config: { auth: agents },
      schema: { tags: [tags.ordering], summary: "Change an order's description, externalId, priority, category, requestedStartDate or notes", params: idParams, body: productOrderUpdate, response: { 200: productOrder, ...tmfErrors } },
      handler: async (req) => d.ordering.update(ctxOf(req), h(req), req.params.id, req.body),
    });
    app.post(`${tmfBase.ordering}/cancelProductOrder`, {
      config: { auth: agents },
      schema: { tags: [tags.ordering], summary: "Cancel an order: its runs that have not succeeded are cancelled as the console's Cancel does", body: cancelProductOrderInput, response: { 201: cancelProductOrder, ...tmfErrors } },
      handler: async (req, reply) => reply.status(201).send(await d.ordering.cancel(ctxOf(req), h(req), req.body)),
    });
    hubRoutes('ordering');

    // --- TMF629 ------------------------------------------------------------------------------
    reads('customer', 'customer', customer, (hr) => d.customers.list(hr), (hr, id) => d.customers.get(hr, id));
    app.post(`${tmfBase.customer}/customer`, {
      config: { auth: agents },
      schema: { tags: [tags.customer], summary: 'Create a customer (an Organization as engagedParty: a business; else an individual)', body: named, response: { 201: customer, ...tmfErrors } },
      handler: async (req, reply) => reply.status(201).send(await d.customers.create(ctxOf(req), h(req), req.body)),
    });
    app.patch(`${tmfBase.customer}/customer/:id`, {
      config: { auth: agents },
      schema: { tags: [tags.customer], summary: "Change a customer's name, status or contact media", params: idParams, body: patchBody, response: { 200: customer, ...tmfErrors } },
      handler: async (req) => d.customers.update(ctxOf(req), h(req), req.params.id, req.body),
    });
    hubRoutes('customer');

    // --- TMF637, TMF638 ----------------------------------------------------------------------
    reads('productInventory', 'product', product, (hr) => d.inventory.products(hr), (hr, id) => d.inventory.product(hr, id));
    hubRoutes('productInventory');
    reads('serviceInventory', 'service', service, (hr) => d.inventory.services(hr), (hr, id) => d.inventory.service(hr, id), { trailingSlash: true });
    hubRoutes('serviceInventory');

    // --- TMF639 ------------------------------------------------------------------------------
    reads('resourceInventory', 'resource', resource, (hr, query) => d.inventory.resources(hr, query), (hr, id) => d.inventory.resource(hr, id));
    app.post(`${tmfBase.resourceInventory}/resource`, {
      config: { auth: admins },
      schema: { tags: [tags.resourceInventory], summary: 'Add a resource to the stock (its resourceSpecification is the inventory template; its characteristics are its attributes)', body: named, response: { 201: resource, ...tmfErrors } },
      handler: async (req, reply) => reply.status(201).send(await d.inventory.createResource(ctxOf(req), h(req), req.body)),
    });
    const specs = async (hr: Hrefs) =>
      (await d.stock.listTemplates()).map((t) => ({
        id: String(t.id),
        href: hr.to('resourceInventory', 'resourceSpecification', t.id),
        name: t.name,
        description: t.description,
        lifecycleStatus: 'Active',
        resourceSpecCharacteristic: t.attributes.map((a) => ({ name: a.name, description: a.label, valueType: 'string', minCardinality: a.required ? 1 : 0, ...(a.pattern && { regex: a.pattern }) })),
        ...typed('resourceInventory', 'ResourceSpecification'),
      }));
    reads('resourceInventory', 'resourceSpecification', resourceSpecification, specs, async (hr, id) => {
      const s = (await specs(hr)).find((x) => x.id === id);
      if (!s) throw notFound('ResourceSpecification', id);
      return s;
    });
    hubRoutes('resourceInventory');
  });
}
