import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { deleteAllStories, getProvider, getStory, listStories, searchStoriesByCharacter } from "../client/sdk.gen";
import type { FrameworkName, StoryOrigin } from "../client/types.gen";
import { queryKeys } from "./queryKeys";

export interface StoryListParams {
  skip: number;
  limit: number;
  framework: FrameworkName | null;
  character: string;
  /** Only an evaluation run's stories, or only the others (null: all). */
  origin: StoryOrigin | null;
}

export function useStoryList(params: StoryListParams) {
  return useQuery({
    queryKey: queryKeys.stories.list(params),
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const character = params.character.trim();
      if (character) {
        const { data: found } = await searchStoriesByCharacter({
          query: { character, limit: 100, ...(params.origin ? { origin: params.origin } : {}) },
        });
        const stories = params.framework ? found.filter((story) => story.method === params.framework) : found;
        return { stories, total: stories.length, skip: 0, limit: 100 };
      }
      const { data } = await listStories({
        query: {
          skip: params.skip,
          limit: params.limit,
          ...(params.framework ? { framework: params.framework } : {}),
          ...(params.origin ? { origin: params.origin } : {}),
        },
      });
      return data;
    },
  });
}

export function useStory(id: number | null) {
  return useQuery({
    queryKey: queryKeys.stories.detail(id),
    enabled: id !== null,
    queryFn: async () => (await getStory({ path: { story_id: id ?? 0 } })).data,
  });
}

export function useDeleteAllStories() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => (await deleteAllStories()).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.stories.all }),
  });
}

export function useProvider() {
  return useQuery({ queryKey: queryKeys.provider, queryFn: async () => (await getProvider()).data });
}
