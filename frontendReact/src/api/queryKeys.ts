// Every React Query key of the app, in one place. A key starts with what it holds, so the
// shorter keys here (`all`, `lists`) are prefixes: invalidating one refreshes every query under it.
import type { CostQuery } from "../cost/filters";
import type { LogQuery } from "./logs";
import type { StoryListParams } from "./stories";

export const queryKeys = {
  stories: {
    all: ["stories"] as const,
    list: (params: StoryListParams) => ["stories", "list", params] as const,
    detail: (id: number | null) => ["stories", "detail", id] as const,
  },
  comparisons: {
    detail: (id: string | null) => ["comparisons", "detail", id] as const,
  },
  evaluations: {
    all: ["evaluations"] as const,
    list: ["evaluations", "list"] as const,
    detail: (id: number | null) => ["evaluations", "detail", id] as const,
    report: (id: number | null, stage: string) => ["evaluations", "report", id, stage] as const,
    items: (id: number | null, stage: string) => ["evaluations", "items", id, stage] as const,
  },
  chat: {
    all: ["chat"] as const,
    lists: ["chat", "list"] as const,
    list: (search: string) => ["chat", "list", search] as const,
    conversation: (id: number | null) => ["chat", "conversation", id] as const,
  },
  documents: ["documents"] as const,
  executions: ["executions"] as const,
  cost: {
    usage: (query: CostQuery, granularity: "day" | "hour") => ["cost", "usage", query, granularity] as const,
    performance: (query: CostQuery) => ["cost", "performance", query] as const,
    transactions: (query: CostQuery, cursor: string | null, limit: number) => ["cost", "transactions", query, cursor, limit] as const,
    transaction: (guid: string | null) => ["cost", "transaction", guid] as const,
    budgets: ["cost", "budget"] as const,
    budget: (userId: number | null) => ["cost", "budget", userId] as const,
  },
  admin: {
    users: ["admin", "users"] as const,
    invites: ["admin", "invites"] as const,
    logs: (query: LogQuery) => ["admin", "logs", query] as const,
  },
  apiKeys: ["api-keys"] as const,
  provider: ["provider"] as const,
  registrationOptions: ["registration-options"] as const,
};
