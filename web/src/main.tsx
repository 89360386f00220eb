import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { type Me, sessionKeys, useSession } from './api/session';
import './app.css';
import { ErrorNote, Loading } from './components/common';
import { Layout } from './components/Layout';
import './i18n';
import { Account } from './routes/Account';
import { BatchDetail } from './routes/BulkBatch';
import { BulkImport } from './routes/BulkImport';
import { Catalog } from './routes/Catalog';
import { CustomerDetail } from './routes/CustomerDetail';
import { Customers } from './routes/Customers';
import { EnrolmentRequired } from './routes/EnrolmentRequired';
import { Inventory } from './routes/Inventory';
import { Operations } from './routes/Operations';
import { ProvisionDetail, Provisioning } from './routes/Provisioning';
import { ServiceDetail } from './routes/ServiceDetail';
import { SignIn } from './routes/SignIn';
import { Staff } from './routes/Staff';
import { Webhooks } from './routes/Webhooks';
import { Systems } from './routes/Systems';
import { WizardProvider } from './wizard/WizardContext';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: (n, e) => !(e instanceof ApiError && e.status < 500 && e.status > 0) && n < 2, refetchOnWindowFocus: false, staleTime: 2_000 },
  },
});

function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('app.notFound')}</h1>
      <Link to="/products">{t('app.backHome')}</Link>
    </section>
  );
}

function App() {
  const session = useSession();
  const qc = useQueryClient();
  // Whose recovery codes the two-factor set-up is showing: the set-up stays until they are saved.
  const [enrolling, setEnrolling] = useState<string | null>(null);
  // Any 401 (the session ended) brings back the sign-in form; a 403 MFA_ENROLMENT_REQUIRED, the set-up.
  useEffect(() => {
    const onSignedOut = () => qc.setQueryData(sessionKeys.me, null);
    const onEnrolmentRequired = () => void qc.invalidateQueries({ queryKey: sessionKeys.me, exact: true });
    window.addEventListener('switchboard:signed-out', onSignedOut);
    window.addEventListener('switchboard:enrolment-required', onEnrolmentRequired);
    return () => {
      window.removeEventListener('switchboard:signed-out', onSignedOut);
      window.removeEventListener('switchboard:enrolment-required', onEnrolmentRequired);
    };
  }, [qc]);
  const signedOut = session.data === null;
  useEffect(() => {
    if (signedOut) setEnrolling(null);
  }, [signedOut]);
  if (session.isPending) return <Loading />;
  if (session.error) return <ErrorNote error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data) return <SignIn />;
  const me = session.data;
  // The role requires two-factor sign-in and it is not set up: nothing else until it is.
  if (me.enrolmentRequired || enrolling === me.id) {
    return (
      <EnrolmentRequired
        user={me}
        onConfirmed={() => setEnrolling(me.id)}
        onDone={() => {
          qc.setQueryData<Me>(sessionKeys.me, { ...me, twoFactor: true, enrolmentRequired: false });
          setEnrolling(null);
          void qc.invalidateQueries({ queryKey: sessionKeys.me, exact: true });
        }}
      />
    );
  }
  return (
    <WizardProvider>
      <Routes>
        <Route element={<Layout user={session.data} />}>
          <Route index element={<Navigate to="/products" replace />} />
          <Route path="products" element={<Catalog />} />
          <Route path="customers" element={<Customers />} />
          <Route path="customers/:id" element={<CustomerDetail />} />
          <Route path="services/:id" element={<ServiceDetail />} />
          <Route path="inventory" element={<Inventory />} />
          <Route path="provisioning" element={<Provisioning />} />
          <Route path="provisioning/:id" element={<ProvisionDetail />} />
          <Route path="bulk" element={<Navigate to="/bulk/new" replace />} />
          <Route path="bulk/new" element={<BulkImport />} />
          <Route path="bulk/:id" element={<BatchDetail />} />
          <Route path="operations" element={<Operations />} />
          <Route path="account" element={<Account />} />
          <Route path="staff" element={<Staff />} />
          <Route path="webhooks/:id?" element={<Webhooks />} />
          <Route path="systems" element={<Systems />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </WizardProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
