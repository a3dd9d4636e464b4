import { defineConfig } from "@hey-api/openapi-ts";

// The web client is generated from the backend's OpenAPI document (`make client`).
// Every call throws on an error answer (src/api/client.ts turns it into an ApiError), so a
// call site gets its data or an exception, never a result to check.
export default defineConfig({
  input: "openapi.json",
  output: { path: "src/client" },
  plugins: [{ name: "@hey-api/client-fetch", throwOnError: true }, "@hey-api/typescript", "@hey-api/sdk"],
});
