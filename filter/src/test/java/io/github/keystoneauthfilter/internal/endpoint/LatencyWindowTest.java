package io.github.keystoneauthfilter.internal.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LatencyWindowTest {

  @Test
  void percentileIsTheNearestRankOfTheSamplesHeld() {
    LatencyWindow window = new LatencyWindow();
    for (int i = 1; i <= 100; i++) {
      window.add(i);
    }
    assertEquals(50, window.percentile(0.50, 1));
    assertEquals(95, window.percentile(0.95, 1));
    assertEquals(100, window.percentile(1.0, 1));
  }

  @Test
  void tooFewSamplesGiveNoPercentile() {
    LatencyWindow window = new LatencyWindow();
    window.add(7);
    assertEquals(-1, window.percentile(0.95, 2));
    assertEquals(7, window.percentile(0.95, 1));
  }

  @Test
  void onlyTheLastSizeSamplesCount() {
    LatencyWindow window = new LatencyWindow();
    for (int i = 0; i < LatencyWindow.SIZE; i++) {
      window.add(1_000);
    }
    for (int i = 0; i < LatencyWindow.SIZE; i++) {
      window.add(5);
    }
    assertEquals(5, window.percentile(1.0, 1));
    assertEquals(LatencyWindow.SIZE, window.size());
  }
}
