import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybooks, PlaybookError, productProblems, validatePlaybook } from './playbooks.js';
import { renderDeep } from './templating.js';

const base = {
  name: 'x',
  kind: 'service',
  tasks: [
    { name: 'Validate customer account', action: 'customer.validate' },
    { name: 'Create service record', action: 'service.activate', args: { name: 'Mobile - {{ customer.name }}' } },
  ],
};
const problemsOf = (pb: unknown) => validatePlaybook(pb, 'x.yaml').problems;
const withTask = (task: object) => ({ ...base, tasks: [...base.tasks, task] });

describe('playbook validation at load (nothing found wrong half-way through a run)', () => {
  it('loads every shipped playbook, and the mobile one has exactly the six tasks of R7.1', () => {
    const all = loadPlaybooks([path.resolve('playbooks')]);
    expect([...all.keys()].sort()).toContain('mobile-new');
    expect(all.get('mobile-new')!.tasks.map((t) => t.action)).toEqual(['customer.validate', 'inventory.assign', 'inventory.assign', 'ocs.create_account', 'service.activate', 'mail.send']);
    expect(all.get('mobile-new')!.references.inventory).toEqual(new Set(['SIM Card', 'Mobile Number']));
    expect(all.get('internet-new')!.tasks.some((t) => t.action === 'ticket.create')).toBe(true);
    expect(all.get('internet-new')!.references.site).toBe(true);
  });

  it('accepts a good playbook', () => {
    expect(problemsOf(base)).toEqual([]);
  });

  it('refuses an unknown action', () => {
    expect(problemsOf(withTask({ name: 'Ping', action: 'ocs.ping' })).join()).toMatch(/unknown action "ocs.ping"/);
  });

  it('refuses a template with bad syntax', () => {
    expect(problemsOf(withTask({ name: 'Broken {{ customer.name', action: 'customer.validate' })).join()).toMatch(/bad template/);
    expect(problemsOf(withTask({ name: 'x', action: 'mail.send', args: { to: '{{ customer.email | shout }}', subject: 's' } })).join()).toMatch(/bad template: undefined filter: shout/);
  });

  it('refuses a variable that does not exist', () => {
    expect(problemsOf(withTask({ name: 'x {{ customer.shoe_size }}', action: 'customer.validate' })).join()).toMatch(/customer.shoe_size does not exist/);
    expect(problemsOf(withTask({ name: 'x {{ servce.id }}', action: 'customer.validate' })).join()).toMatch(/unknown variable "servce"/);
    expect(problemsOf(withTask({ name: 'x {{ inventory["SIM Card"].iccid }}', action: 'customer.validate' })).join()).toMatch(/inventory\['SIM Card'\].iccid does not exist/);
  });

  it('checks a task’s names in other languages as it checks its name (R13), and refuses a bad language code', () => {
    expect(problemsOf(withTask({ name: 'x', names: { fr: 'Validation de {{ customer.shoe_size }}' }, action: 'customer.validate' })).join()).toMatch(/names\.fr.*customer.shoe_size does not exist/);
    expect(problemsOf(withTask({ name: 'x', names: { french: 'y' }, action: 'customer.validate' })).join()).toMatch(/tasks\.\d+\.names\.french/);
    expect(problemsOf(withTask({ name: 'x', names: { fr: 'Validation du compte client' }, action: 'customer.validate' }))).toEqual([]);
  });

  it('refuses arguments an action does not take, or lacks', () => {
    expect(problemsOf(withTask({ name: 'x', action: 'ocs.add_balance', args: { account: 'a', balance_id: 'b', type: 'data', amount: 1, unit: 'MB', colour: 'red' } })).join()).toMatch(/no argument "colour"/);
    expect(problemsOf(withTask({ name: 'x', action: 'mail.send', args: { to: 'a@b.c' } })).join()).toMatch(/needs a template .* or the argument "subject"/);
    expect(problemsOf(withTask({ name: 'x', action: 'mail.send', args: { to: 'a@b.c', subject: 's', template: 'nope' } })).join()).toMatch(/no e-mail template "nope"/);
  });

  it('refuses a service playbook that never activates its service, and actions of the wrong kind', () => {
    expect(problemsOf({ ...base, tasks: [base.tasks[0]] }).join()).toMatch(/needs a service.activate task/);
    expect(problemsOf({ ...base, kind: 'addon' }).join()).toMatch(/service.activate cannot be used in a playbook of kind addon/);
  });

  it('refuses a wrong shape: unknown keys, bad durations, a name unlike the file', () => {
    expect(problemsOf({ ...base, retries: 3 }).join()).toMatch(/Unrecognized key/);
    expect(problemsOf({ ...base, timeout: 'soon' }).join()).toMatch(/timeout/);
    expect(validatePlaybook(base, 'other.yaml').problems.join()).toMatch(/must match the file name "other"/);
  });

  it('stops loading with every problem of every file listed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'name: a\nkind: service\ntasks:\n  - name: x\n    action: nope\n');
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'name: [unclosed');
    let err: unknown;
    try {
      loadPlaybooks([dir]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlaybookError);
    expect((err as PlaybookError).problems.some((p) => p.includes('a.yaml') && p.includes('unknown action "nope"'))).toBe(true);
    expect((err as PlaybookError).problems.some((p) => p.includes('b.yaml') && p.includes('not valid YAML'))).toBe(true);
  });

  it("checks a product against its playbook's needs", () => {
    const pb = loadPlaybooks([path.resolve('playbooks')]).get('mobile-new')!;
    const product = { category: 'plan' as const, inventoryTemplates: ['SIM Card', 'Mobile Number'], playbookVars: { plan_code: 'X', data_mb: 1 }, customFields: [] };
    expect(productProblems(product, pb)).toEqual([]);
    expect(productProblems({ ...product, inventoryTemplates: ['SIM Card'] }, pb).join()).toMatch(/uses inventory 'Mobile Number'/);
    expect(productProblems({ ...product, playbookVars: {} }, pb).join()).toMatch(/vars.plan_code/);
    expect(productProblems({ ...product, category: 'addon' }, pb).join()).toMatch(/is for plans/);
  });
});

describe('templates', () => {
  it('keeps the type of a lone expression and renders the rest as text', () => {
    const scope = { vars: { data_mb: 20480, on: true }, customer: { name: 'John' } };
    expect(renderDeep({ amount: '{{ vars.data_mb }}', flag: '{{vars.on}}', text: 'Hi {{ customer.name }}', list: ['{{ vars.data_mb }}'] }, scope)).toEqual({
      amount: 20480,
      flag: true,
      text: 'Hi John',
      list: [20480],
    });
    expect(() => renderDeep('{{ vars.missing }}', scope)).toThrow(/undefined variable/);
  });
});
