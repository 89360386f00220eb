import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useCustomers } from '../api/customers';
import { Loaded, StatusBadge } from '../components/common';
import { CustomerSearch, NewCustomerForm } from '../wizard/CustomerStep';

/** Find a customer (global search, R12.3 "the staff member searches the customer"). */
export function Customers() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const recent = useCustomers();
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="customers-title">
      <h1 id="customers-title">{t('customers.title')}</h1>
      <div className="card">
        <CustomerSearch onPick={(id) => navigate(`/customers/${id}`)} />
      </div>
      <p>
        <button type="button" className="btn" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          {t('customers.create')}
        </button>
      </p>
      {creating && <NewCustomerForm onCreated={(id) => navigate(`/customers/${id}`)} onCancel={() => setCreating(false)} />}
      <h2>{t('customers.recent')}</h2>
      <Loaded query={recent}>
        {(list) => (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('customers.name')}</th>
                <th scope="col">{t('customers.type')}</th>
                <th scope="col">{t('customers.email')}</th>
                <th scope="col">{t('customers.phone')}</th>
                <th scope="col">{t('customers.status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/customers/${c.id}`}>{t('customers.resultLine', { name: c.name, id: c.id })}</Link>
                  </td>
                  <td>{t(`catalog.${c.type}`)}</td>
                  <td>{c.email}</td>
                  <td>{c.phone}</td>
                  <td>
                    <StatusBadge status={c.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}
