package io.meshtrace.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  @Test
  void aReservationThatDoesNotFitTakesNothingAndIsCountedByStage() {
    MemoryBudget budget = new MemoryBudget(100);
    MemoryBudget.Reservation first = budget.open();
    first.grow(60, MemoryBudget.Stage.DECLARED_LENGTH);
    MemoryBudget.Reservation second = budget.open();
    assertThatThrownBy(() -> second.grow(41, MemoryBudget.Stage.READING))
        .isInstanceOfSatisfying(IngestException.class, refused -> {
          assertThat(refused.reason()).isEqualTo(IngestException.Reason.OVERLOADED);
          assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        });
    assertThat(budget.bytesInFlight()).isEqualTo(60);
    assertThat(budget.refusals(MemoryBudget.Stage.READING)).isEqualTo(1);
    assertThat(budget.refusals(MemoryBudget.Stage.DECLARED_LENGTH)).isZero();
    second.grow(40, MemoryBudget.Stage.READING);
    assertThat(budget.spent()).isTrue();
    assertThat(budget.peakBytesInFlight()).isEqualTo(100);
  }

  @Test
  void decodedSpansResizeTheReservationAndReleaseGivesEverythingBackOnce() {
    MemoryBudget budget = new MemoryBudget(1000);
    MemoryBudget.Reservation reservation = budget.open();
    reservation.grow(300, MemoryBudget.Stage.READING);
    reservation.grow(200, MemoryBudget.Stage.INFLATING);
    reservation.holdDecoded(100); // shrinks to twice the 100 bytes decoded
    assertThat(budget.bytesInFlight()).isEqualTo(200);
    reservation.holdDecoded(400); // grows to 800
    assertThat(budget.bytesInFlight()).isEqualTo(800);
    reservation.release();
    reservation.release();
    assertThat(budget.bytesInFlight()).isZero();
    assertThat(budget.peakBytesInFlight()).isEqualTo(800);
  }
}
