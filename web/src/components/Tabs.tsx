import { type KeyboardEvent, type ReactNode, useRef } from 'react';

/** Tabs with the ARIA pattern: arrow keys move between tabs, the panel follows. */
export function Tabs<T extends string>({ label, tabs, current, onChange, children }: { label: string; tabs: [T, string][]; current: T; onChange: (t: T) => void; children: ReactNode }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent) => {
    const i = tabs.findIndex(([k]) => k === current);
    const next = e.key === 'ArrowRight' ? (i + 1) % tabs.length : e.key === 'ArrowLeft' ? (i - 1 + tabs.length) % tabs.length : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    const key = tabs[next]![0];
    onChange(key);
    refs.current[key]?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs" onKeyDown={onKey}>
        {tabs.map(([k, text]) => (
          <button
            key={k}
            ref={(el) => {
              refs.current[k] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${k}`}
            aria-selected={current === k}
            aria-controls={`panel-${k}`}
            tabIndex={current === k ? 0 : -1}
            onClick={() => onChange(k)}
          >
            {text}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${current}`} aria-labelledby={`tab-${current}`} className="tab-panel" tabIndex={0}>
        {children}
      </div>
    </>
  );
}
