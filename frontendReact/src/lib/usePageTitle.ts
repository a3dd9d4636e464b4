import { useEffect } from "react";

/** Name the browser tab after the page, so tabs and history entries say where they lead. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · FASTAPILLM`;
  }, [title]);
}
