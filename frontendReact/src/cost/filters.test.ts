import { describe, expect, it } from "vitest";
import { filtersToQuery, filtersToSearch, granularityFor, optionsQuery, parseFilters, queryToSearch } from "./filters";

const NOW = new Date("2026-11-24T15:30:00Z");
const parse = (search: string) => parseFilters(new URLSearchParams(search), NOW);

describe("cost filters", () => {
  it("defaults to the last 30 UTC days, everyone's own spend, and a short URL", () => {
    const filters = parse("");
    expect(filters).toMatchObject({ preset: "30d", start: "2026-10-26", end: "2026-11-24", framework: null, scope: { kind: "me" } });
    expect(filtersToSearch(filters).toString()).toBe("");
    expect(filtersToQuery(filters)).toEqual({ start_date: "2026-10-26", end_date: "2026-11-24" });
  });

  it("turns presets into inclusive UTC day ranges", () => {
    expect(parse("range=today")).toMatchObject({ start: "2026-11-24", end: "2026-11-24" });
    expect(parse("range=7d")).toMatchObject({ start: "2026-11-18", end: "2026-11-24" });
    expect(parse("range=90d")).toMatchObject({ start: "2026-08-27", end: "2026-11-24" });
    // just after midnight UTC, "today" is the new UTC day whatever the local clock says
    expect(parseFilters(new URLSearchParams("range=today"), new Date("2026-11-25T00:00:01Z"))).toMatchObject({ start: "2026-11-25" });
  });

  it("maps every filter to the API's query parameters and round-trips through the URL", () => {
    const search =
      "range=custom&from=2026-11-01&to=2026-11-02&framework=langgraph&model=gpt-4o-mini&provider=OpenRouter&operation=chat&user=7";
    const filters = parse(search);
    expect(filtersToQuery(filters)).toEqual({
      start_date: "2026-11-01",
      end_date: "2026-11-02",
      framework: "langgraph",
      model: "gpt-4o-mini",
      provider: "OpenRouter",
      operation: "chat",
      user_id: 7,
    });
    expect(parse(filtersToSearch(filters).toString())).toEqual(filters);
    expect(queryToSearch(filtersToQuery(filters)).get("user_id")).toBe("7");
  });

  it("offers models and providers from the whole period and accounts, not the narrowed view", () => {
    const query = filtersToQuery(parse("range=7d&framework=langgraph&model=gpt-4o-mini&provider=OpenRouter&operation=chat&user=7"));
    expect(optionsQuery(query)).toEqual({ start_date: "2026-11-18", end_date: "2026-11-24", user_id: 7 });
    expect(query.model).toBe("gpt-4o-mini");
  });

  it("asks for everyone's spend with all_users, never with a user id", () => {
    const query = filtersToQuery(parse("user=all"));
    expect(query.all_users).toBe(true);
    expect(query).not.toHaveProperty("user_id");
    expect(filtersToQuery(parse("user=me"))).not.toHaveProperty("all_users");
  });

  it("ignores malformed values instead of sending them", () => {
    const filters = parse("range=custom&from=yesterday&to=2026-11-02&framework=crewai&operation=drop&user=x");
    expect(filters).toMatchObject({ preset: "30d", framework: null, operation: null, scope: { kind: "me" } });
    // a reversed custom range is put in order
    expect(parse("range=custom&from=2026-11-10&to=2026-11-01")).toMatchObject({ start: "2026-11-01", end: "2026-11-10" });
  });

  it("charts by hour up to two days, by day beyond", () => {
    expect(granularityFor({ start: "2026-11-24", end: "2026-11-24" })).toBe("hour");
    expect(granularityFor({ start: "2026-11-23", end: "2026-11-24" })).toBe("hour");
    expect(granularityFor({ start: "2026-11-22", end: "2026-11-24" })).toBe("day");
  });
});
