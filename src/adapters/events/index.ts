// Event adapters: webhook signature checks and the Kubernetes Event watcher.
export * from './signature.js';
export * from './kubeconfig.js';
export * from './kubernetes-event-watcher.js';
