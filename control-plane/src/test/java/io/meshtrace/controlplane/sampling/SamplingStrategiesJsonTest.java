package io.meshtrace.controlplane.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation of strategies documents: every message names the field, and where it is. */
class SamplingStrategiesJsonTest {
  @Test
  void aProbabilityOutsideZeroToOneIsNamedByItsField() {
    assertThat(problems("""
        {"service_strategies": [
          {"service": "a", "type": "probabilistic", "param": 0.1},
          {"service": "b", "type": "probabilistic", "param": 1},
          {"service": "c", "type": "probabilistic", "param": 1.5}
        ]}"""))
        .containsExactly("service_strategies[2].param: probability 1.5 is outside [0,1] "
            + "(line 4, column 54)");
  }

  @Test
  void aNegativeRateAndAnUnknownTypeAreRefused() {
    assertThat(problems("""
        {"default_strategy": {"type": "ratelimiting", "param": -1},
         "service_strategies": [{"service": "a", "type": "rate_limiting", "param": 5}]}"""))
        .containsExactly(
            "default_strategy.param: rate -1 is negative; traces per second must be 0 or more "
                + "(line 1, column 56)",
            "service_strategies[0].type: unknown type 'rate_limiting'; expected probabilistic or "
                + "ratelimiting (line 2, column 50)");
  }

  @Test
  void duplicateServicesAndOperationsAreRefused() {
    assertThat(problems("""
        {"service_strategies": [
          {"service": "a", "type": "probabilistic", "param": 0.1, "operation_strategies": [
            {"operation": "GET /", "type": "probabilistic", "param": 1},
            {"operation": "GET /", "type": "probabilistic", "param": 0}]},
          {"service": "a", "type": "probabilistic", "param": 0.2}
        ]}"""))
        .containsExactly(
            "service_strategies[0].operation_strategies[1].operation: 'GET /' is listed twice "
                + "(also service_strategies[0].operation_strategies[0]) (line 4, column 19)",
            "service_strategies[1].service: 'a' is listed twice (also service_strategies[0]) "
                + "(line 5, column 15)");
  }

  @Test
  void unknownFieldsMissingNamesAndWrongTypesAreRefused() {
    assertThat(problems("""
        {"default_strategy": {"type": "probabilistic", "param": "0.5"},
         "service_strategy": [],
         "service_strategies": [
           {"type": "probabilistic", "param": 0.1},
           {"service": "", "type": "probabilistic"},
           {"service": "b", "param": 0.3, "operation_strategies": {}},
           "c"
         ]}"""))
        .containsExactly(
            "service_strategy: unknown field; expected default_strategy, service_strategies "
                + "(line 2, column 22)",
            "default_strategy.param: must be a number, not the string \"0.5\" (line 1, column 57)",
            "service_strategies[0].service: is missing",
            "service_strategies[1].service: must be a non-empty string, not the string \"\" "
                + "(line 5, column 16)",
            "service_strategies[1].param: is missing; a probabilistic strategy needs one",
            "service_strategies[2].type: is missing; param 0.3 means nothing without it "
                + "(probabilistic or ratelimiting)",
            "service_strategies[2].operation_strategies: must be an array, not an object "
                + "(line 6, column 59)",
            "service_strategies[3]: must be an object, not the string \"c\" (line 7, column 4)",
            "service_strategies[3]: must be an object with service, type and param "
                + "(line 7, column 4)");
  }

  @Test
  void brokenJsonIsReportedWithLineAndColumn() {
    assertThat(problems("{\n  \"service_strategies\": [\n    {\"service\": \"a\",}\n  ]\n}"))
        .singleElement().asString()
        .startsWith("not valid JSON: line 3, column 21: Unexpected character ('}'");
    assertThat(problems("")).containsExactly(
        "not valid JSON: line 1, column 1: the document is empty");
    assertThat(problems("{} {}")).singleElement().asString()
        .startsWith("not valid JSON: line 1, column 4: more follows the document's end");
    assertThat(problems("{\"default_strategy\": {}, \"default_strategy\": {}}"))
        .singleElement().asString()
        .startsWith("not valid JSON: line 1, column 44: Duplicate field 'default_strategy'");
  }

  @Test
  void theDocumentMustBeAnObject() {
    assertThat(problems("\"nonsense\"")).containsExactly(
        "the document: must be an object, not the string \"nonsense\" (line 1, column 1)");
  }

  @Test
  void aValidDocumentKeepsItsEntriesInOrder() throws Exception {
    SamplingStrategiesDocument document = SamplingStrategiesJson.parse(
        SamplingStrategiesTest.OPERATION_STRATEGIES).document();
    assertThat(document.serviceStrategies()).extracting(ServiceSamplingStrategy::service)
        .containsExactly("foo", "bar");
    assertThat(document.defaultStrategy().strategy())
        .isEqualTo(SamplingStrategy.probabilistic(0.5));
    assertThat(document.serviceStrategies().get(1).operationStrategies())
        .extracting(OperationSamplingStrategy::operation).containsExactly("op3", "op4", "op5");
  }

  private static List<String> problems(String document) {
    InvalidSamplingStrategiesException e = catchThrowableOfType(
        InvalidSamplingStrategiesException.class, () -> SamplingStrategiesJson.parse(document));
    assertThat(e).as("refused: %s", document).isNotNull();
    return e.problems();
  }
}
