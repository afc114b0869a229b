// Event normalisers: source payloads (already JSON-parsed) → VigilEvent[] or a 400 error value.
export * from './event-fields.js';
export * from './generic-event.js';
export * from './argocd-notification.js';
export * from './github-webhook.js';
export * from './kubernetes-event.js';
export * from './cloudtrail-event.js';
