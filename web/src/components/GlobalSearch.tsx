import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { type GlobalSearchResult, useGlobalSearch } from '../api/search';
import { useLocal } from '../i18n/local';
import { Combobox } from './Combobox';

type Option =
  | { kind: 'customer'; key: string; to: string; hit: GlobalSearchResult['customers'][number] }
  | { kind: 'service'; key: string; to: string; hit: GlobalSearchResult['services'][number] }
  | { kind: 'run'; key: string; to: string; hit: GlobalSearchResult['runs'][number] };

/** Keys typed into a field are the field's: "/" opens the search only from the page itself. */
function typingInAField(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/**
 * The top bar's search, on every page: customers by name, ID, e-mail or phone; services by ID,
 * mobile number, ICCID or serial; runs by provisioning ID. "/" from anywhere on the page puts the
 * cursor in it; the arrow keys and Enter open a result.
 */
export function GlobalSearch() {
  const { t } = useTranslation();
  const local = useLocal();
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [term, setTerm] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const [focused, setFocused] = useState(false);

  // Asks the server once typing pauses, not at every key.
  useEffect(() => {
    const id = setTimeout(() => setTerm(query), 120);
    return () => clearTimeout(id);
  }, [query]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || typingInAField(e.target)) return;
      if (document.querySelector('[role="dialog"][aria-modal="true"], dialog[open]')) return;
      e.preventDefault();
      box.current?.querySelector('input')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const search = useGlobalSearch(term);
  const options = useMemo<Option[]>(() => {
    const r = search.data;
    if (!r || !term.trim()) return [];
    return [
      ...r.customers.map((hit): Option => ({ kind: 'customer', key: `c${hit.id}`, to: `/customers/${hit.id}`, hit })),
      ...r.services.map((hit): Option => ({ kind: 'service', key: `s${hit.id}`, to: `/services/${hit.id}`, hit })),
      ...r.runs.map((hit): Option => ({ kind: 'run', key: `r${hit.id}`, to: `/provisioning/${hit.id}`, hit })),
    ];
  }, [search.data, term]);
  const settled = term.trim() !== '' && term === query && !search.isFetching && search.data !== undefined;

  const render = (o: Option) => {
    const tag = <span className="search-kind">{t(`search.kinds.${o.kind}`)}</span>;
    if (o.kind === 'customer') {
      const c = o.hit;
      return (
        <>
          {tag}
          <span className="search-title">{c.name}</span>
          <span className="muted small">
            {' '}
            {t('search.customerLine', { id: c.id, type: t(`catalog.${c.type}`), detail: c.matchedOn === 'phone' ? c.phone : c.matchedOn === 'email' ? c.email : (c.email ?? c.phone ?? '') })}
          </span>
        </>
      );
    }
    if (o.kind === 'service') {
      const s = o.hit;
      return (
        <>
          {tag}
          <span className="search-title">{local.productName({ name: s.name })}</span>
          <span className="muted small">
            {' '}
            {t('search.serviceLine', { id: s.id, customer: s.customerName, status: t(`status.${s.status}`) })}
            {s.reference && s.template && ` · ${local.template(s.template)} ${s.reference}`}
          </span>
        </>
      );
    }
    const r = o.hit;
    return (
      <>
        {tag}
        <span className="search-title mono">{r.id.slice(0, 8)}</span>
        <span className="muted small">
          {' '}
          {t('search.runLine', { product: local.productName({ id: r.productId, name: r.productName }), customer: r.customerName, status: t(`status.${r.status}`) })}
        </span>
      </>
    );
  };

  return (
    <div className="global-search" ref={box} role="search" aria-label={t('search.label')} onFocus={() => setFocused(true)} onBlur={() => setFocused(false)}>
      <label htmlFor="global-search" className="sr-only">
        {t('search.label')}
      </label>
      <Combobox<Option>
        id="global-search"
        query={query}
        onQueryChange={setQuery}
        options={options}
        optionKey={(o) => o.key}
        renderOption={render}
        onPick={(o) => {
          setQuery('');
          setTerm('');
          (document.activeElement as HTMLElement | null)?.blur();
          navigate(o.to);
        }}
        listLabel={t('search.results')}
        placeholder={t('search.placeholder')}
        describedBy="global-search-status"
      />
      <span id="global-search-status" className="sr-only" aria-live="polite">
        {settled ? (options.length ? t('search.found', { count: options.length }) : t('search.none', { q: term.trim() })) : ''}
      </span>
      {focused && settled && options.length === 0 && (
        <p className="global-search-none small" data-testid="search-none">
          {t('search.none', { q: term.trim() })}
        </p>
      )}
    </div>
  );
}
