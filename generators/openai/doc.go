// Package openai is the provider for OpenAI and OpenAI-compatible servers
// (Azure-style gateways, vLLM, SGLang, llama.cpp server, LM Studio, LocalAI,
// OpenRouter, Ollama's /v1, Blindspot's own serve-sim), written against
// the official OpenAPI description (its tests validate every request
// against it) on net/http: image generation (T2I), image edits (I2I, multipart upload),
// chat completions with images as data URIs (VLM judge, story LLM) and
// embeddings (text, or image data URIs for servers that embed images).
//
// Contract: every failure is a *generators.Error. HTTP 408, 409, 429 and
// 5xx, timeouts and connection resets are transient (Retry-After is
// passed on); 400 with a content-policy code, a content_filter finish
// reason or a model refusal is a refusal; a response that is not JSON, is
// too large, has no choices or no image is bad output; every other status
// is permanent. The client never retries: the call policy does.
// The API key never appears in an error.
package openai
