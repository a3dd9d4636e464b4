import { defineConfig } from "@hey-api/openapi-ts";

// The web client is generated from the backend's OpenAPI document (`make client`).
export default defineConfig({
  input: "openapi.json",
  output: { path: "src/client" },
  plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
});
