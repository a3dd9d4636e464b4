// A comparison after the fact: its stories and the judge's verdict, and judging it on demand.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getComparison, judgeComparison } from "../client/sdk.gen";
import { queryKeys } from "./queryKeys";

export function useComparison(comparisonId: string | null) {
  return useQuery({
    queryKey: queryKeys.comparisons.detail(comparisonId),
    enabled: comparisonId !== null,
    queryFn: async () => (await getComparison({ path: { comparison_id: comparisonId ?? "" } })).data,
  });
}

export function useJudgeComparison(comparisonId: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await judgeComparison({ path: { comparison_id: comparisonId ?? "" } })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.comparisons.detail(comparisonId) }),
  });
}
