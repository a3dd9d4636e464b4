import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { listLogs } from "../client/sdk.gen";
import type { ListLogsData } from "../client/types.gen";
import { queryKeys } from "./queryKeys";

export type LogQuery = NonNullable<ListLogsData["query"]>;

/** One page of the stored log, newest first. While following, the newest page is asked for
 * again every two seconds, so new lines appear at the top as they are written. */
export function useLogPage(query: LogQuery, follow: boolean, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.admin.logs(query),
    enabled,
    placeholderData: keepPreviousData,
    refetchInterval: follow && query.before_id == null ? 2000 : false,
    queryFn: async () => (await listLogs({ query })).data,
  });
}
