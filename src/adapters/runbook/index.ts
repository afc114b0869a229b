// Runbook actions: allow-listed scripts (no shell) and HTTP requests, each with a timeout.
export { DEFAULT_MAX_OUTPUT_BYTES, resolveScript, runScript, type ScriptResolution, type ScriptRunRequest, type ScriptRunResult } from './script-runner.js';
export { runHttpAction, type HttpActionRequest, type HttpActionResult } from './http-action.js';
