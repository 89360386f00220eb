import { useState } from 'react';

/** Copies text to the clipboard, remembering whether it worked (browsers may refuse). */
export function useCopy() {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return { copied, copy };
}

/** What came of a copy, said to screen readers too: done, or do it by hand. */
export function CopyStatus({ copied, done, failed }: { copied: 'yes' | 'failed' | null; done: string; failed: string }) {
  return (
    <span role="status" className={copied === 'failed' ? 'error-text small' : 'ok-text small'}>
      {copied === 'yes' ? done : copied === 'failed' ? failed : ''}
    </span>
  );
}
