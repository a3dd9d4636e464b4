"""Provider access: one pooled OpenAI-compatible client, retries, usage capture, embedded model."""
