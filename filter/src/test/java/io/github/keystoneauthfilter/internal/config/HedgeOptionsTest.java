package io.github.keystoneauthfilter.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keystoneauthfilter.KeystoneAuthConfig;
import io.github.keystoneauthfilter.KeystoneAuthConfig.HedgeMode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The failover_hedge_* and failover_demote_* options. */
class HedgeOptionsTest {

  private static KeystoneAuthConfig parse(String... pairs) {
    Map<String, String> params = new HashMap<>();
    params.put("auth_url", "http://keystone-a:5000,http://keystone-b:5000");
    params.put("username", "nova");
    params.put("password", "not-shown");
    params.put("project_name", "service");
    for (int i = 0; i < pairs.length; i += 2) {
      params.put(pairs[i], pairs[i + 1]);
    }
    return InitParameters.parse(params).build();
  }

  private static void assertRefused(String option, String value) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parse(option, value));
    assertTrue(e.getMessage().startsWith(option + " "), e.getMessage());
    assertTrue(e.getMessage().contains("'" + value + "'"), e.getMessage());
  }

  @Test
  void defaultsAreAdaptiveWithinFloorAndCeilingAndBudgeted() {
    KeystoneAuthConfig config = parse();
    assertEquals(HedgeMode.ADAPTIVE, config.hedging().mode());
    assertNull(config.hedging().fixedDelay());
    assertEquals(Duration.ofMillis(50), config.hedging().delayMin());
    assertEquals(Duration.ofMillis(500), config.hedging().delayMax());
    assertEquals(0.1, config.hedging().budget());
    assertEquals(3, config.hedging().demoteAfter());
    assertEquals(Duration.ofSeconds(2), config.hedging().demoteProbeInterval());
  }

  @Test
  void hedgeDelayTakesSecondsOffOrAdaptive() {
    KeystoneAuthConfig fixed = parse("failover_hedge_delay", "0.25");
    assertEquals(HedgeMode.FIXED, fixed.hedging().mode());
    assertEquals(Duration.ofMillis(250), fixed.hedging().fixedDelay());
    assertEquals(HedgeMode.OFF, parse("failover_hedge_delay", "off").hedging().mode());
    assertEquals(HedgeMode.ADAPTIVE, parse("failover_hedge_delay", "Adaptive").hedging().mode());
  }

  @Test
  void otherOptionsParse() {
    KeystoneAuthConfig config =
        parse(
            "failover_hedge_delay_min", "0.02",
            "failover_hedge_delay_max", "2",
            "failover_hedge_budget", "0.25",
            "failover_demote_after", "0",
            "failover_demote_probe_interval", "0.5");
    assertEquals(Duration.ofMillis(20), config.hedging().delayMin());
    assertEquals(Duration.ofSeconds(2), config.hedging().delayMax());
    assertEquals(0.25, config.hedging().budget());
    assertEquals(0, config.hedging().demoteAfter());
    assertEquals(Duration.ofMillis(500), config.hedging().demoteProbeInterval());
  }

  @Test
  void badValuesAreRefusedNamingOptionAndValue() {
    assertRefused("failover_hedge_delay", "soon");
    assertRefused("failover_hedge_delay", "-1");
    assertRefused("failover_hedge_delay_min", "0");
    assertRefused("failover_hedge_budget", "1.5");
    assertRefused("failover_hedge_budget", "10%");
    assertRefused("failover_demote_after", "-1");
    assertRefused("failover_demote_probe_interval", "never");
  }

  @Test
  void ceilingBelowFloorIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> parse("failover_hedge_delay_min", "0.3", "failover_hedge_delay_max", "0.2"));
    assertTrue(e.getMessage().contains("failover_hedge_delay_max"), e.getMessage());
  }
}
