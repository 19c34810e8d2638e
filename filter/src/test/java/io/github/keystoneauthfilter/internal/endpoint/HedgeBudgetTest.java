package io.github.keystoneauthfilter.internal.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HedgeBudgetTest {

  private static int spendAll(HedgeBudget budget) {
    int spent = 0;
    while (budget.trySpend()) {
      spent++;
    }
    return spent;
  }

  @Test
  void startsWithTheBurstThenEarnsItsShareOfValidations() {
    HedgeBudget budget = new HedgeBudget(0.1, 10);
    assertEquals(10, spendAll(budget));
    for (int i = 0; i < 1_000; i++) {
      budget.earn();
    }
    assertEquals(10, spendAll(budget), "capped at the burst");
    for (int i = 0; i < 55; i++) {
      budget.earn();
    }
    assertEquals(5, spendAll(budget), "0.1 of 55 validations");
  }

  @Test
  void refundGivesBackAnUnsentHedge() {
    HedgeBudget budget = new HedgeBudget(0.0, 1);
    assertTrue(budget.trySpend());
    assertFalse(budget.trySpend());
    budget.refund();
    assertTrue(budget.trySpend());
  }
}
