package io.meshtrace.collector.ui;

import static io.meshtrace.collector.server.TestServers.post;
import static io.meshtrace.collector.server.TestServers.url;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshtrace.collector.server.MeshtraceServer;
import io.meshtrace.collector.server.TestServers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The UI of a protected server in headless Chromium: the page asks for a token, lists services
 * once it is given, shows who is logged in, and asks again after logging out; a user and
 * password work the same way, and a wrong token is said to be wrong.
 */
class BrowserLoginEndToEndTest {
  static final String TOKEN = "ui-reader-token-3c5e7a9b1d";

  static MeshtraceServer server;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    Path file = Files.createTempFile("meshtrace-ui-auth-", ".yaml");
    Files.writeString(file, """
        tokens:
          - {name: ui-reader, token: %s, roles: [read]}
        users:
          - {name: dora, password: "%s", roles: [read]}
        """.formatted(TOKEN, BCrypt.hashpw("dora-password", BCrypt.gensalt(4))));
    server = TestServers.allInOne("--auth-file", file.toString());
    long start = System.currentTimeMillis() * 1000 - 30_000_000;
    HttpResponse<String> posted = post(url(server, "zipkin", "/api/v2/spans"), "application/json",
        ("[{\"traceId\":\"7bf92f3577b34da6a3ce929d0e0e4736\",\"id\":\"1000000000000001\","
            + "\"kind\":\"SERVER\",\"name\":\"get /login\",\"timestamp\":" + start
            + ",\"duration\":2000,\"localEndpoint\":{\"serviceName\":\"guarded-service\"}}]")
            .getBytes(StandardCharsets.UTF_8));
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202); // ingest stays open
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    Browser.close(browser, server);
  }

  @Test
  void theUiAsksForATokenThenShowsServicesAndLogsOut() {
    browser.driver.get(url(server, "query", "/search"));
    browser.waitFor(By.id("login-form"));
    browser.screenshot("login-asked");
    browser.driver.findElement(By.id("login-token")).sendKeys("not-the-token-0000000000");
    browser.driver.findElement(By.id("login-submit")).click();
    browser.waitFor(d -> d.findElement(By.id("login-outcome")).getText().contains("Not accepted")
        ? true : null);
    browser.driver.findElement(By.id("login-token")).clear();
    browser.driver.findElement(By.id("login-token")).sendKeys(TOKEN);
    browser.driver.findElement(By.id("login-submit")).click();
    browser.waitFor(By.cssSelector(".service-list"));
    browser.waitFor(d -> d.findElement(By.cssSelector(".service-list")).getText()
        .contains("guarded-service") ? true : null);
    assertThat(browser.driver.findElements(By.id("login"))).isEmpty();
    assertThat(browser.driver.findElement(By.id("caller-name")).getText()).isEqualTo("ui-reader");
    browser.screenshot("logged-in");
    // The credential is kept for the tab: a reload does not ask again.
    browser.driver.navigate().refresh();
    browser.waitFor(d -> d.findElement(By.cssSelector(".service-list")).getText()
        .contains("guarded-service") ? true : null);
    assertThat(browser.driver.findElements(By.id("login"))).isEmpty();
    browser.driver.findElement(By.id("logout")).click();
    browser.waitFor(By.id("login-form"));
  }

  @Test
  void aUserAndPasswordLogInToo() {
    browser.driver.get(url(server, "query", "/search"));
    browser.driver.executeScript("sessionStorage.clear()");
    browser.driver.navigate().refresh();
    browser.waitFor(By.id("login-form"));
    browser.driver.findElement(By.id("login-user")).sendKeys("dora");
    browser.driver.findElement(By.id("login-password")).sendKeys("dora-password");
    browser.driver.findElement(By.id("login-submit")).click();
    browser.waitFor(d -> d.findElement(By.cssSelector(".service-list")).getText()
        .contains("guarded-service") ? true : null);
    assertThat(browser.driver.findElement(By.id("caller-name")).getText()).isEqualTo("dora");
    browser.driver.executeScript("sessionStorage.clear()");
  }
}
