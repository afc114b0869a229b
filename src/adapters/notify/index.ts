// Notification channel senders: webhook, Slack, PagerDuty, Opsgenie, Alertmanager over HTTP.
export * from './channel-sender.js';
