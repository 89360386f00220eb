import { type ReactNode, useEffect, useRef, useState } from 'react';

export interface ComboboxProps<T> {
  /** The input's id: the `Field` around it labels it. */
  id: string;
  /** What the person has typed: the caller searches with it (the server, as they type). */
  query: string;
  onQueryChange: (q: string) => void;
  options: readonly T[];
  optionKey: (o: T) => string | number;
  renderOption: (o: T) => ReactNode;
  onPick: (o: T) => void;
  /** The list's accessible name. */
  listLabel: string;
  /**
   * What the input shows while the person is not searching: the chosen option (a picker), or
   * nothing (a search box, which keeps what was typed).
   */
  chosenText?: string | undefined;
  /** A picker lists its options as soon as it is focused; a search box once something is typed. */
  openOnFocus?: boolean;
  /** Below the options: "50 of 3,000 shown, type to narrow". */
  listFooter?: ReactNode;
  describedBy?: string | undefined;
  placeholder?: string | undefined;
  disabled?: boolean;
  required?: boolean;
  autoFocus?: boolean;
  autofocusTarget?: boolean;
}

/**
 * The one searchable picker of the console (WAI-ARIA combobox with a list box): type to search,
 * the arrow keys to move, Enter to pick, Escape to close the list (not the dialog around it), a
 * click or a tap to pick. Used for customers and for each inventory item a product needs.
 */
export function Combobox<T>(p: ComboboxProps<T>) {
  const [editing, setEditing] = useState(false);
  const [expanded, setExpanded] = useState(false);
  const [active, setActive] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const picker = p.chosenText !== undefined;
  const open = expanded && p.options.length > 0 && !p.disabled;
  const shown = picker && !editing ? p.chosenText : p.query;

  useEffect(() => setActive((a) => Math.min(a, Math.max(0, p.options.length - 1))), [p.options.length]);
  useEffect(() => {
    if (open) list.current?.querySelector<HTMLElement>(`[data-index="${active}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active, open]);

  const pick = (o: T | undefined) => {
    if (o === undefined) return;
    p.onPick(o);
    setExpanded(false);
    if (picker) {
      setEditing(false);
      p.onQueryChange('');
    }
  };

  return (
    <div className="combobox">
      <input
        id={p.id}
        type="search"
        role="combobox"
        aria-expanded={open}
        aria-controls={`${p.id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={open ? `${p.id}-opt-${active}` : undefined}
        aria-describedby={p.describedBy}
        aria-required={p.required || undefined}
        autoComplete="off"
        spellCheck={false}
        autoFocus={p.autoFocus}
        data-autofocus={p.autofocusTarget ? '' : undefined}
        placeholder={p.placeholder}
        disabled={p.disabled}
        value={shown}
        onFocus={() => {
          if (picker) setEditing(true);
          if (p.openOnFocus) setExpanded(true);
        }}
        onClick={() => setExpanded(true)}
        onBlur={() => {
          setExpanded(false);
          if (picker) {
            setEditing(false);
            p.onQueryChange('');
          }
        }}
        onChange={(e) => {
          setEditing(true);
          p.onQueryChange(e.target.value);
          setExpanded(true);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            if (!open) setExpanded(true);
            else setActive((a) => Math.min(p.options.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Home' && open) {
            e.preventDefault();
            setActive(0);
          } else if (e.key === 'End' && open) {
            e.preventDefault();
            setActive(p.options.length - 1);
          } else if (e.key === 'Enter' && open) {
            e.preventDefault();
            pick(p.options[active]);
          } else if (e.key === 'Escape' && (open || (picker && editing && p.query))) {
            // Closes the list, or drops what was typed; a second Escape reaches the dialog.
            e.preventDefault();
            e.stopPropagation();
            setExpanded(false);
            if (!open) p.onQueryChange('');
          }
        }}
      />
      {open && (
        <div className="combobox-popup">
          <ul className="options" role="listbox" id={`${p.id}-list`} aria-label={p.listLabel} ref={list}>
            {p.options.map((o, i) => (
              <li
                key={p.optionKey(o)}
                id={`${p.id}-opt-${i}`}
                data-index={i}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                // Keeps the focus in the input, so the click is not lost to its blur.
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => pick(o)}
              >
                {p.renderOption(o)}
              </li>
            ))}
          </ul>
          {p.listFooter && <p className="combobox-foot muted small">{p.listFooter}</p>}
        </div>
      )}
    </div>
  );
}
