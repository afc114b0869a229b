// Chart columns for uPlot built from the API's anomaly and forecast shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyChartData, forecastChartData } from '../../web/src/charts/chart-data.js';
import type { AnomalyWithSeries, Forecast } from '../../web/src/api/types.js';

const anomaly = (series: AnomalyWithSeries['series']): AnomalyWithSeries => ({
  id: 'a', seriesId: 1, seriesKey: 'm{}', metricName: 'm', resource: 'r', application: null, kind: 'latency', direction: 'above',
  startMs: 2000, endMs: null, peakScore: 1, peakMs: 2000, peakValue: 9, expected: 5, lower: 4, upper: 6, role: 'CAUSAL', cause: 'point', series,
});

describe('anomalyChartData', () => {
  it('draws the band at the peak flat when the server sends no per-point band', () => {
    const d = anomalyChartData(anomaly({ timesMs: [1000, 2000, 3000], values: [5, null, 9] }));
    assert.deepEqual(d, [[1000, 2000, 3000], [5, null, 9], [5, 5, 5], [6, 6, 6], [4, 4, 4]]);
  });

  it('uses a per-point band when given, and turns non-finite numbers into gaps', () => {
    const d = anomalyChartData(anomaly({ timesMs: [1, 2], values: [NaN, 3], expected: [1, 2], lower: [0, null], upper: [Infinity, 4] }));
    assert.deepEqual(d, [[1, 2], [null, 3], [1, 2], [null, 4], [0, null]]);
  });

  it('is empty without series data', () => {
    assert.deepEqual(anomalyChartData(anomaly(undefined)), [[], [], [], [], []]);
  });
});

describe('forecastChartData', () => {
  const f: Forecast = {
    seriesKey: 'disk{}', limit: 0,
    history: { timesMs: [0, 10], values: [100, 90] },
    forecast: { timesMs: [10, 20, 30], expected: [90, 80, 70], lower: [88, 75, 60], upper: [92, 85, 80] },
    prediction: { earliestMs: 80, expectedMs: 90, latestMs: 100, limit: 0 },
  };

  it('puts history then forecast on one axis, joined at the last observation', () => {
    assert.deepEqual(forecastChartData(f), [
      [0, 10, 20, 30],
      [100, 90, null, null],
      [null, 90, 80, 70],
      [null, 90, 85, 80],
      [null, 90, 75, 60],
      [0, 0, 0, 0],
    ]);
  });

  it('draws the history alone when the server has no forecast curve', () => {
    assert.deepEqual(forecastChartData({ ...f, forecast: null }), [[0, 10], [100, 90], [null, null], [null, null], [null, null], [0, 0]]);
  });
});
