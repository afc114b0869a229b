import { useEffect } from 'react';

/** Sets the tab title while a view is shown: "<title> · Vigil". */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Vigil` : 'Vigil';
  }, [title]);
}
