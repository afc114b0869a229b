// Links out of the dashboard: only http(s), and the query carried intact to Prometheus / Grafana.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { grafanaExploreUrl, prometheusGraphUrl, safeHttpUrl } from '../../web/src/links.js';

describe('safeHttpUrl', () => {
  it('keeps http(s) links and refuses every other scheme', () => {
    assert.equal(safeHttpUrl('https://kubernetes.io/docs/x#y'), 'https://kubernetes.io/docs/x#y');
    assert.equal(safeHttpUrl('http://prom:9090'), 'http://prom:9090/');
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', '', null, undefined]) {
      assert.equal(safeHttpUrl(bad), null, String(bad));
    }
  });
});

describe('prometheusGraphUrl', () => {
  const expr = 'http_request_duration_seconds_p99{service="checkout-api",path="/a b&c"}';
  it('opens the graph page with the series selector and the time range', () => {
    const u = new URL(prometheusGraphUrl('http://prometheus:9090/', expr, Date.UTC(2026, 0, 1, 10), Date.UTC(2026, 0, 1, 12))!);
    assert.equal(u.origin + u.pathname, 'http://prometheus:9090/graph');
    assert.equal(u.searchParams.get('g0.expr'), expr);
    assert.equal(u.searchParams.get('g0.range_input'), '7200s');
    assert.equal(u.searchParams.get('g0.end_input'), '2026-01-01 12:00:00');
  });

  it('keeps a path prefix and refuses a base that is not http(s)', () => {
    assert.match(prometheusGraphUrl('https://example.com/prometheus', 'up', 0, 60_000)!, /^https:\/\/example\.com\/prometheus\/graph\?/);
    assert.equal(prometheusGraphUrl('javascript:alert(1)//', 'up', 0, 1), null);
  });
});

describe('grafanaExploreUrl', () => {
  it('puts the query and range in Explore\'s left pane', () => {
    const u = new URL(grafanaExploreUrl('http://grafana:3000', 'prom-uid', 'up{job="x"}', 1000, 2000)!);
    assert.equal(u.pathname, '/explore');
    const left = JSON.parse(u.searchParams.get('left')!);
    assert.equal(left.queries[0].expr, 'up{job="x"}');
    assert.equal(left.queries[0].datasource.uid, 'prom-uid');
    assert.deepEqual(left.range, { from: '1000', to: '2000' });
  });
});
