// Feedback on an insight (DevOps Guru's thumbs, with reasons): stored by the server, and
// TOO_SENSITIVE / NOISY_DATA lower the application's sensitivity.
import { useState } from 'react';
import { apiSend } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { FEEDBACK_VALUES, type Feedback, type FeedbackValue } from '../../api/types.js';
import { RelativeTime } from '../../components/relative-time.js';
import { ErrorNote } from '../../components/status-notes.js';

const TEXT: Record<FeedbackValue, { label: string; hint: string }> = {
  USEFUL: { label: 'Useful', hint: 'This insight helped' },
  NOT_USEFUL: { label: 'Not useful', hint: 'Correct, but it did not help' },
  TOO_SENSITIVE: { label: 'Too sensitive', hint: 'Not worth an insight: lowers this application’s sensitivity' },
  NOISY_DATA: { label: 'Noisy data', hint: 'The data is noisy: lowers this application’s sensitivity' },
  INCORRECT: { label: 'Incorrect', hint: 'Nothing was wrong' },
};

export function FeedbackPanel({ insightId }: { readonly insightId: string }) {
  const list = useApi<{ feedback: Feedback[] }>(`/api/v1/insights/${encodeURIComponent(insightId)}/feedback`);
  const [comment, setComment] = useState('');
  const [sending, setSending] = useState<FeedbackValue | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [sent, setSent] = useState<FeedbackValue | null>(null);

  const send = async (value: FeedbackValue) => {
    setSending(value);
    setError(null);
    try {
      await apiSend('POST', `/api/v1/insights/${encodeURIComponent(insightId)}/feedback`, comment.trim() ? { value, comment: comment.trim() } : { value });
      setSent(value);
      setComment('');
      list.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setSending(null);
    }
  };

  const history = [...(list.data?.feedback ?? [])].sort((a, b) => b.timeMs - a.timeMs);
  return (
    <section aria-labelledby="feedback-title" className="card feedback" data-testid="feedback">
      <h2 id="feedback-title">Was this insight useful?</h2>
      <div className="feedback-buttons" role="group" aria-label="Feedback">
        {FEEDBACK_VALUES.map((v) => (
          <button key={v} type="button" className={`btn${v === 'USEFUL' ? ' primary' : ''}`} title={TEXT[v].hint} disabled={sending !== null} onClick={() => void send(v)} data-feedback={v}>
            {TEXT[v].label}
          </button>
        ))}
      </div>
      <label className="field comment">
        <span>Comment (optional, sent with the button you press)</span>
        <textarea value={comment} maxLength={2000} rows={2} onChange={(e) => setComment(e.target.value)} />
      </label>
      <p className="sent" role="status" aria-live="polite">
        {sent ? `Thank you: “${TEXT[sent].label}” was recorded.` : ''}
      </p>
      {error ? <ErrorNote error={error} /> : null}
      {history.length > 0 ? (
        <>
          <h3>Feedback so far</h3>
          <ul className="feedback-history" data-testid="feedback-history">
            {history.map((f, k) => (
              <li key={`${f.timeMs}-${k}`}>
                <b>{TEXT[f.value]?.label ?? f.value}</b> <RelativeTime ms={f.timeMs} />
                {f.comment ? <span className="comment-text"> — {f.comment}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {list.error ? <ErrorNote error={list.error} retry={list.reload} /> : null}
    </section>
  );
}
