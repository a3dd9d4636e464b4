// The official MCP TypeScript SDK's client against FASTAPILLM's MCP server, over the transport
// named by MCP_TRANSPORT ("stdio": the server as this process's child; "http": streamable HTTP
// at MCP_URL). tests/api/test_mcp_node.py prepares the platform (test provider, database, an
// account and its key), runs this file with `node --test`, and then checks the ledger rows the
// calls made, from the transaction GUIDs written to MCP_RESULT_FILE.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const env = process.env;
const TOOLS = [
  "cancel_evaluation",
  "chat",
  "compare_frameworks",
  "evaluation_report",
  "generate_story_langchain",
  "generate_story_langgraph",
  "generate_story_semantic_kernel",
  "get_cost_usage",
  "get_evaluation",
  "list_frameworks",
  "plan_evaluation",
  "run_document_prompt",
  "start_evaluation",
];

/** A transport to the server, signed in with `key` (none when null). */
function transport(key) {
  if (env.MCP_TRANSPORT === "stdio") {
    const serverEnv = { ...JSON.parse(env.MCP_SERVER_ENV), FASTAPILLM_API_KEY: key ?? "" };
    return new StdioClientTransport({
      command: env.MCP_PYTHON,
      args: ["-m", "backend.mcp_server"],
      cwd: env.MCP_CWD,
      env: serverEnv,
      stderr: "ignore", // the server's logs; stdout carries only the protocol
    });
  }
  const headers = key === null ? {} : { Authorization: `Bearer ${key}` };
  return new StreamableHTTPClientTransport(new URL(env.MCP_URL), { requestInit: { headers } });
}

async function connected(key) {
  const client = new Client({ name: "fastapillm-node-test", version: "1.0.0" });
  await client.connect(transport(key));
  return client;
}

let client;
const made = { transport: env.MCP_TRANSPORT, stories: [] };

before(async () => {
  client = await connected(env.MCP_KEY);
});

after(async () => {
  await client?.close();
  writeFileSync(env.MCP_RESULT_FILE, JSON.stringify(made));
});

test("lists the platform's tools with their input schemas", async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOLS);
  const story = tools.find((tool) => tool.name === "generate_story_langchain");
  assert.ok(story.inputSchema.required.includes("primary_character"));
  assert.ok(story.inputSchema.required.includes("secondary_character"));
});

test("writes a story with LangChain, reporting progress, with the REST API's figures", async () => {
  const progress = [];
  const result = await client.callTool(
    { name: "generate_story_langchain", arguments: { primary_character: "Ada", secondary_character: "Grace" } },
    undefined,
    { onprogress: (update) => progress.push(update) },
  );
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  const story = result.structuredContent;
  assert.equal(story.method, "langchain");
  assert.ok(story.story.length > 0);
  assert.ok(story.input_tokens > 0 && story.output_tokens > 0);
  assert.equal(story.total_tokens, story.input_tokens + story.output_tokens);
  assert.match(story.transaction_guid, /^[0-9a-f-]{36}$/);
  assert.ok(progress.length >= 1, "no progress notification arrived");
  assert.ok(progress.every((update, i) => i === 0 || update.progress >= progress[i - 1].progress));
  made.stories.push({ id: story.id, transaction_guid: story.transaction_guid, total_tokens: story.total_tokens });
});

test("reads the recent stories and one story as resources", async () => {
  const [story] = made.stories;
  assert.ok(story, "the story test must run first");
  const recent = await client.readResource({ uri: "stories://recent" });
  const listed = JSON.parse(recent.contents[0].text);
  assert.deepEqual(listed.map((item) => item.id), [story.id]);
  const one = await client.readResource({ uri: `stories://${story.id}` });
  const read = JSON.parse(one.contents[0].text);
  assert.equal(read.id, story.id);
  assert.equal(read.transaction_guid, story.transaction_guid);
});

test("a platform error comes back as a tool error carrying the error shape's code", async () => {
  const result = await client.callTool({
    name: "generate_story_langchain",
    arguments: { primary_character: " ", secondary_character: "Grace" },
  });
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /VALIDATION_ERROR/);
});

test("without a key, or with a wrong one, nothing runs", async () => {
  for (const key of [null, "fapi_not-a-real-key"]) {
    let refused = false;
    try {
      const stranger = await connected(key);
      try {
        await stranger.callTool({ name: "list_frameworks", arguments: {} });
      } catch {
        refused = true;
      } finally {
        await stranger.close();
      }
    } catch {
      refused = true; // the connection itself is refused (HTTP 401, or the stdio server exits)
    }
    assert.ok(refused, `a client with key ${key} was served`);
  }
  if (env.MCP_TRANSPORT === "http") {
    const bare = await fetch(env.MCP_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(bare.status, 401);
  }
});
