package io.github.keystoneauthfilter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same requests to OpenStack's own keystonemiddleware {@code auth_token} (Debian's
 * python3-keystonemiddleware under uWSGI, service_token_roles_required=true as in 13.0) and to the
 * test webapp with our filter, both validating against the same real Keystone: the status, the 401
 * body and challenge, and every {@code X-*} / {@code OpenStack-*} header the app sees must be the
 * same, except for the two documented fixes. Each row also says whether its user token is valid:
 * such a row must pass (200, {@code X-Identity-Status: Confirmed}) on both sides, so the comparison
 * cannot pass with every answer a 401 or Invalid.
 */
class KeystonemiddlewareDifferentialIT {
  private static final int KMW_PORT = 8910;
  private static final int KMW_DELAY_PORT = 8911;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static RealKeystone keystone;
  private static Webapp ours;
  private static Webapp oursDelayed;
  private static String demo;
  private static String service;
  private static String systemAdmin;
  private static String domainAdmin;

  @BeforeAll
  static void start() throws Exception {
    keystone = RealKeystone.fromSystemProperties();
    keystone.startKeystonemiddleware(KMW_PORT, false);
    keystone.startKeystonemiddleware(KMW_DELAY_PORT, true);
    ours = Webapp.start(config(false));
    oursDelayed = Webapp.start(config(true));

    demo = keystone.demoToken(1);
    service =
        keystone.token(
            1,
            keystone.env.getProperty("KEYSTONE_SVC_USER"),
            keystone.env.getProperty("KEYSTONE_SVC_PASSWORD"),
            keystone.env.getProperty("KEYSTONE_SVC_PROJECT"));
    String admin = keystone.env.getProperty("KEYSTONE_ADMIN_USER");
    String adminPassword = keystone.env.getProperty("KEYSTONE_ADMIN_PASSWORD");
    systemAdmin = keystone.scopedToken(1, admin, adminPassword, "{\"system\":{\"all\":true}}");
    keystone.grantDomainRole(admin, "admin");
    domainAdmin =
        keystone.scopedToken(1, admin, adminPassword, "{\"domain\":{\"id\":\"default\"}}");
  }

  @AfterAll
  static void stop() throws Exception {
    if (ours != null) {
      ours.close();
    }
    if (oursDelayed != null) {
      oursDelayed.close();
    }
    keystone.stopKeystonemiddleware();
  }

  private static Properties config(boolean delay) {
    Properties config = keystone.filterConfig(1);
    // keystonemiddleware's peer challenges with its Keystone's root URL.
    config.setProperty("www_authenticate_uri", "http://127.0.0.1:" + keystone.port(1));
    config.setProperty("delay_auth_decision", Boolean.toString(delay));
    return config;
  }

  /**
   * One row of the matrix: request headers, whether they must be accepted without
   * delay_auth_decision (a valid user token, and a service token that is absent or confirmed), and
   * how keystonemiddleware knowingly differs.
   */
  private record Case(
      String name,
      boolean passes,
      Map<String, String> headers,
      UnaryOperator<Map<String, List<String>>> fix) {
    Case(String name, boolean passes, Map<String, String> headers) {
      this(name, passes, headers, UnaryOperator.identity());
    }
  }

  /** Headers every confirmed identity in this matrix shows, at the least. */
  private static final List<String> CONFIRMED_CORE =
      List.of(
          "x-identity-status",
          "x-user-id",
          "x-user-name",
          "x-user-domain-id",
          "x-user-domain-name",
          "x-roles");

  private static Map<String, String> headers(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  private static List<Case> matrix(boolean delay) {
    Map<String, String> forged =
        headers(
            "X-Roles", "admin",
            "X-User-Id", "forged-user",
            "X-Identity-Status", "Confirmed",
            "X-Service-Roles", "service",
            "X-Is-Admin-Project", "True",
            "X-Foo", "kept");
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("no token", false, headers()));
    cases.add(new Case("bad token", false, headers("X-Auth-Token", "gAAAAABbad-token")));
    cases.add(new Case("project-scoped token", true, headers("X-Auth-Token", demo)));
    cases.add(new Case("system-scoped token", true, headers("X-Auth-Token", systemAdmin)));
    cases.add(new Case("domain-scoped token", true, headers("X-Auth-Token", domainAdmin)));
    cases.add(new Case("X-Storage-Token", true, headers("X-Storage-Token", demo)));
    cases.add(
        new Case(
            "empty X-Auth-Token hides X-Storage-Token",
            false,
            headers("X-Auth-Token", "", "X-Storage-Token", demo)));
    cases.add(
        new Case("token with spaces around", true, headers("X-Auth-Token", "  " + demo + " ")));
    cases.add(
        new Case(
            "user + service token",
            true,
            headers("X-Auth-Token", demo, "X-Service-Token", service)));
    cases.add(
        new Case(
            "user + service token without the service role",
            false,
            headers("X-Auth-Token", demo, "X-Service-Token", domainAdmin)));
    cases.add(
        new Case(
            "user + bad service token",
            false,
            headers("X-Auth-Token", demo, "X-Service-Token", "gAAAAABbad")));
    cases.add(new Case("service token only", false, headers("X-Service-Token", service)));
    Map<String, String> forgedWithToken = new LinkedHashMap<>(forged);
    forgedWithToken.put("X-Auth-Token", demo);
    cases.add(new Case("forged headers + token", true, forgedWithToken));
    cases.add(new Case("forged headers, no token", false, forged));
    // Fix 1: keystonemiddleware lets a forged OpenStack-System-Scope through (delay, no token).
    cases.add(
        new Case(
            "forged OpenStack-System-Scope, no token",
            false,
            headers("OpenStack-System-Scope", "all"),
            kmw -> {
              if (delay) {
                assertEquals(
                    List.of("all"), kmw.remove("openstack-system-scope"), "kmw quirk 1 not seen");
              }
              return kmw;
            }));
    // Fix 2: keystonemiddleware's service token overwrites the user's system scope.
    cases.add(
        new Case(
            "system-scoped user + project-scoped service token",
            true,
            headers("X-Auth-Token", systemAdmin, "X-Service-Token", service),
            kmw -> {
              assertEquals(null, kmw.get("openstack-system-scope"), "kmw quirk 2 not seen");
              kmw.put("openstack-system-scope", List.of("all"));
              return kmw;
            }));
    return cases;
  }

  @Test
  void everyRequestWhenDelayOffThenSameAnswerAsKeystonemiddleware() throws Exception {
    compare(false, KMW_PORT, ours);
  }

  @Test
  void everyRequestWhenDelayOnThenSameAnswerAsKeystonemiddleware() throws Exception {
    compare(true, KMW_DELAY_PORT, oursDelayed);
  }

  private static void compare(boolean delay, int kmwPort, Webapp app) throws Exception {
    List<String> mismatches = new ArrayList<>();
    int confirmedRows = 0;
    int comparedHeaders = 0;
    for (Case c : matrix(delay)) {
      HttpResponse<String> theirs = send(URI.create("http://127.0.0.1:" + kmwPort + "/compare"), c);
      HttpResponse<String> mine = send(app.base().resolve("/compare"), c);
      String where = (delay ? "[delay] " : "") + c.name() + ": ";
      int expectedStatus = delay || c.passes() ? 200 : 401;
      if (theirs.statusCode() != expectedStatus) {
        mismatches.add(where + "keystonemiddleware answered " + theirs.statusCode());
      }
      if (theirs.statusCode() != mine.statusCode()) {
        mismatches.add(where + "status " + theirs.statusCode() + " vs ours " + mine.statusCode());
        continue;
      }
      if (theirs.statusCode() == 401) {
        if (!theirs.body().equals(mine.body())) {
          mismatches.add(where + "401 body " + theirs.body() + " vs ours " + mine.body());
        }
        String theirChallenge = theirs.headers().firstValue("WWW-Authenticate").orElse("");
        String myChallenge = mine.headers().firstValue("WWW-Authenticate").orElse("");
        if (!theirChallenge.equals(myChallenge)) {
          mismatches.add(where + "challenge " + theirChallenge + " vs ours " + myChallenge);
        }
        continue;
      }
      Map<String, List<String>> expected = c.fix().apply(kmwHeaders(theirs));
      Map<String, List<String>> actual = ourHeaders(mine);
      normaliseCatalog(expected);
      normaliseCatalog(actual);
      if (!expected.equals(actual)) {
        mismatches.add(
            where
                + "\n  keystonemiddleware: "
                + printable(expected)
                + "\n  ours:               "
                + printable(actual));
      }
      comparedHeaders += expected.size();
      if (c.passes()) {
        List<String> missing =
            CONFIRMED_CORE.stream().filter(name -> !actual.containsKey(name)).toList();
        if (!List.of("Confirmed").equals(actual.get("x-identity-status")) || !missing.isEmpty()) {
          mismatches.add(
              where + "not a confirmed identity (missing " + missing + "): " + printable(actual));
        } else {
          confirmedRows++;
        }
      }
    }
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
    long passing = matrix(delay).stream().filter(Case::passes).count();
    assertEquals(passing, confirmedRows, "rows whose user token was confirmed on both sides");
    // Every row that reached the app was compared header by header: at least the core of each
    // confirmed identity, and X-Identity-Status on each of the others.
    int reachedApp = delay ? matrix(delay).size() : (int) passing;
    int minimum = CONFIRMED_CORE.size() * (int) passing + (reachedApp - (int) passing);
    assertTrue(
        comparedHeaders >= minimum,
        "only " + comparedHeaders + " headers compared, expected at least " + minimum);
  }

  private static HttpResponse<String> send(URI uri, Case c) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
    c.headers().forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The headers keystonemiddleware's app saw. WSGI gives one value per name (a server joins
   * repeated headers), so each is a one-element list.
   */
  private static Map<String, List<String>> kmwHeaders(HttpResponse<String> response)
      throws Exception {
    Map<String, List<String>> headers = new TreeMap<>();
    JsonNode all = Webapp.JSON.readTree(response.body()).get("all");
    for (Iterator<String> names = all.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      headers.put(name, List.of(all.get(name).asText()));
    }
    return headers;
  }

  /**
   * Every value of every {@code X-*} / {@code OpenStack-*} header our app saw (a header injected
   * twice, or a forged one left beside the real one, shows as a longer list than
   * keystonemiddleware's), names in lower case.
   */
  private static Map<String, List<String>> ourHeaders(HttpResponse<String> response)
      throws Exception {
    Map<String, List<String>> headers = new TreeMap<>();
    JsonNode all = Webapp.echoedHeaders(response);
    for (Iterator<String> names = all.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith("x-") || lower.startsWith("openstack-")) {
        List<String> values = new ArrayList<>(headers.getOrDefault(lower, List.of()));
        all.get(name).forEach(value -> values.add(value.asText()));
        headers.put(lower, List.copyOf(values));
      }
    }
    return headers;
  }

  /** The headers for a failure message: the echoed token headers' values left out. */
  private static Map<String, List<String>> printable(Map<String, List<String>> headers) {
    Map<String, List<String>> copy = new TreeMap<>(headers);
    for (String name : List.of("x-auth-token", "x-storage-token", "x-service-token")) {
      copy.computeIfPresent(name, (n, values) -> List.of("<" + values.size() + " token(s)>"));
    }
    return copy;
  }

  /** The catalog is JSON: compare it parsed (Python and Jackson space it differently). */
  private static void normaliseCatalog(Map<String, List<String>> headers) throws Exception {
    List<String> catalogs = headers.get("x-service-catalog");
    if (catalogs != null) {
      List<String> parsed = new ArrayList<>();
      for (String catalog : catalogs) {
        parsed.add(Webapp.JSON.readTree(catalog).toString());
      }
      headers.put("x-service-catalog", List.copyOf(parsed));
    }
  }
}
