import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";
import { type CostFilters, filtersToSearch, parseFilters } from "./filters";

/** The cost page's filters, read from and written to the URL's query string. */
export function useCostFilters(): [CostFilters, (next: CostFilters) => void] {
  const [params, setParams] = useSearchParams();
  const search = params.toString(); // the string is what identifies the filters between renders
  const filters = useMemo(() => parseFilters(new URLSearchParams(search)), [search]);
  const setFilters = useCallback((next: CostFilters) => setParams(filtersToSearch(next)), [setParams]);
  return [filters, setFilters];
}
