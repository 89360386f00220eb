import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Link, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { sessionKeys, useSession } from './api/session';
import './app.css';
import { ErrorNote, Loading } from './components/common';
import { Layout } from './components/Layout';
import './i18n';
import { BatchDetail } from './routes/BulkBatch';
import { BulkImport } from './routes/BulkImport';
import { Catalog } from './routes/Catalog';
import { CustomerDetail } from './routes/CustomerDetail';
import { Customers } from './routes/Customers';
import { Inventory } from './routes/Inventory';
import { ProvisionDetail, Provisioning } from './routes/Provisioning';
import { ServiceDetail } from './routes/ServiceDetail';
import { SignIn } from './routes/SignIn';
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
  // Any 401 (the session ended) brings back the sign-in form.
  useEffect(() => {
    const onSignedOut = () => qc.setQueryData(sessionKeys.me, null);
    window.addEventListener('switchboard:signed-out', onSignedOut);
    return () => window.removeEventListener('switchboard:signed-out', onSignedOut);
  }, [qc]);
  if (session.isPending) return <Loading />;
  if (session.error) return <ErrorNote error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data) return <SignIn />;
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
