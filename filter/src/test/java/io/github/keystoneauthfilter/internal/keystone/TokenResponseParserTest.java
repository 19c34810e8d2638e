package io.github.keystoneauthfilter.internal.keystone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.keystoneauthfilter.Identity;
import io.github.keystoneauthfilter.internal.keystone.TokenResponseParser.TokenParseException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenResponseParserTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant EXPIRES = Instant.parse("2026-11-28T13:14:15Z");

  private static final String PROJECT_SCOPED =
      """
      {
        "token": {
          "methods": ["password"],
          "user": {
            "domain": {"id": "default", "name": "Default"},
            "id": "423f19a4ac1e4f48bbb4180756e6eb6c",
            "name": "admin",
            "password_expires_at": null
          },
          "audit_ids": ["lC2Wj1jbQe-dLjLyOx4qPQ"],
          "expires_at": "2026-11-28T13:14:15.000000Z",
          "issued_at": "2026-11-28T12:14:15.000000Z",
          "project": {
            "domain": {"id": "default", "name": "Default"},
            "id": "a6944d763bf64ee6a275f1263fae0352",
            "name": "admin"
          },
          "is_domain": false,
          "is_admin_project": false,
          "roles": [
            {"id": "51cc68287d524c759f47c811e6463340", "name": "admin"},
            {"id": "9fe2ff9ee4384b1894a90878d3e92bab", "name": "member"},
            {"id": "1f2d3c4b5a6978879695a4b3c2d1e0f0", "name": "reader"}
          ],
          "catalog": [
            {
              "endpoints": [
                {"id": "e1", "interface": "public", "region_id": "RegionOne",
                 "url": "http://cloud.example.com:5000/v3/", "region": "RegionOne"}
              ],
              "id": "s1",
              "type": "identity",
              "name": "keystone"
            }
          ]
        }
      }
      """;

  private static final String DOMAIN_SCOPED =
      """
      {"token": {
        "methods": ["password"],
        "user": {"domain": {"id": "d-users", "name": "Users"}, "id": "u-42", "name": "bob"},
        "expires_at": "2026-11-28T13:14:15Z",
        "domain": {"id": "d-eng", "name": "Engineering"},
        "roles": [{"id": "r1", "name": "domain_admin"}]
      }}
      """;

  private static final String SYSTEM_SCOPED =
      """
      {"token": {
        "methods": ["password"],
        "user": {"domain": {"id": "default", "name": "Default"}, "id": "u-1", "name": "cloudadmin"},
        "expires_at": "2026-11-28T13:14:15+00:00",
        "system": {"all": true},
        "roles": [{"id": "r1", "name": "admin"}]
      }}
      """;

  private static final String UNSCOPED =
      """
      {"token": {
        "methods": ["password"],
        "user": {"domain": {"id": "default", "name": "Default"}, "id": "u-7", "name": "carol"},
        "expires_at": "2026-11-28T13:14:15.000000Z",
        "issued_at": "2026-11-28T12:14:15.000000Z"
      }}
      """;

  private static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  private static Identity parse(String json) throws TokenParseException {
    return new TokenResponseParser(MAPPER, true).parse(bytes(json));
  }

  private static TokenParseException rejection(String json) {
    return assertThrows(TokenParseException.class, () -> parse(json));
  }

  /** A minimal valid token around {@code userJson}, for rejection tests. */
  private static String withUser(String userJson) {
    return "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":" + userJson + "}}";
  }

  private static String withCatalog(String catalogJson) {
    return "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\"},"
        + "\"catalog\":"
        + catalogJson
        + "}}";
  }

  private static JsonNode tree(String json) throws Exception {
    return MAPPER.readTree(json);
  }

  @Test
  void parseWhenProjectScopedThenEveryField() throws Exception {
    Identity identity = parse(PROJECT_SCOPED);

    assertEquals("423f19a4ac1e4f48bbb4180756e6eb6c", identity.userId());
    assertEquals("admin", identity.userName());
    assertEquals("default", identity.userDomainId());
    assertEquals("Default", identity.userDomainName());
    assertEquals("a6944d763bf64ee6a275f1263fae0352", identity.projectId());
    assertEquals("admin", identity.projectName());
    assertEquals("default", identity.projectDomainId());
    assertEquals("Default", identity.projectDomainName());
    assertNull(identity.domainId());
    assertNull(identity.domainName());
    assertFalse(identity.systemScope());
    assertEquals(List.of("admin", "member", "reader"), identity.roles());
    assertFalse(identity.adminProject());
    assertEquals(EXPIRES, identity.expiresAt());
    assertNotNull(identity.catalogV2Json());
  }

  @Test
  void parseWhenTwoTokensOfOneUserThenTheirIdsNamesAndRolesAreOneCopy() throws Exception {
    // A fleet's cache holds many tokens of the same users, projects, domains and roles: each
    // string is kept once (interned), not once per token (benchmarks/notes/fleet.md).
    Identity first = parse(PROJECT_SCOPED);
    Identity second = parse(PROJECT_SCOPED);

    assertNotSame(first, second);
    assertSame(first.userId(), second.userId());
    assertSame(first.userName(), second.userName());
    assertSame(first.userDomainId(), second.userDomainId());
    assertSame(first.userDomainName(), second.userDomainName());
    assertSame(first.projectId(), second.projectId());
    assertSame(first.projectName(), second.projectName());
    assertSame(first.projectDomainId(), second.projectDomainId());
    assertSame(first.projectDomainName(), second.projectDomainName());
    for (int i = 0; i < first.roles().size(); i++) {
      assertSame(first.roles().get(i), second.roles().get(i));
    }
    Identity domainScoped = parse(DOMAIN_SCOPED);
    assertSame(domainScoped.domainId(), parse(DOMAIN_SCOPED).domainId());
    assertSame(domainScoped.domainName(), parse(DOMAIN_SCOPED).domainName());
  }

  @Test
  void parseWhenDomainScopedThenDomainAndNoProject() throws Exception {
    Identity identity = parse(DOMAIN_SCOPED);

    assertEquals("u-42", identity.userId());
    assertEquals("d-users", identity.userDomainId());
    assertEquals("d-eng", identity.domainId());
    assertEquals("Engineering", identity.domainName());
    assertNull(identity.projectId());
    assertNull(identity.projectName());
    assertNull(identity.projectDomainId());
    assertNull(identity.projectDomainName());
    assertFalse(identity.systemScope());
    assertEquals(List.of("domain_admin"), identity.roles());
  }

  @Test
  void parseWhenSystemScopedThenSystemScopeAndNoProjectOrDomain() throws Exception {
    Identity identity = parse(SYSTEM_SCOPED);

    assertTrue(identity.systemScope());
    assertNull(identity.projectId());
    assertNull(identity.domainId());
    assertEquals(List.of("admin"), identity.roles());
    assertEquals(EXPIRES, identity.expiresAt());
  }

  @Test
  void parseWhenUnscopedThenNoScopeNoRolesNoCatalog() throws Exception {
    Identity identity = parse(UNSCOPED);

    assertEquals("u-7", identity.userId());
    assertEquals("carol", identity.userName());
    assertNull(identity.projectId());
    assertNull(identity.domainId());
    assertFalse(identity.systemScope());
    assertEquals(List.of(), identity.roles());
    assertNull(identity.catalogV2Json());
  }

  @Test
  void parseWhenIsAdminProjectAbsentThenTrue() throws Exception {
    assertTrue(parse(UNSCOPED).adminProject());
  }

  @Test
  void parseWhenCatalogDisabledThenNoCatalog() throws Exception {
    Identity identity = new TokenResponseParser(MAPPER, false).parse(bytes(PROJECT_SCOPED));

    assertNull(identity.catalogV2Json());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-11-28T13:14:15.000000Z",
        "2026-11-28T13:14:15Z",
        "2026-11-28T13:14:15.0Z",
        "2026-11-28T13:14:15.000000000Z",
        "2026-11-28T13:14:15+00:00",
        "2026-11-28T14:14:15+01:00",
        "2026-11-28T13:14:15.000000+00:00"
      })
  void parseWhenExpiresAtFormatThenSameInstant(String expiresAt) throws Exception {
    Identity identity =
        parse("{\"token\":{\"expires_at\":\"" + expiresAt + "\",\"user\":{\"id\":\"u\"}}}");

    assertEquals(EXPIRES, identity.expiresAt());
  }

  @Test
  void warmUpWhenCannedAnswerThenParsesItWithItsCatalog() {
    Identity identity = TokenResponseParser.warmUp(new ObjectMapper(), 2);

    assertEquals("warm-up-user", identity.user().id());
    assertEquals(List.of("member", "reader"), identity.roles());
    assertNotNull(identity.catalogV2Json());
    assertTrue(identity.catalogV2Json().contains("\"region\":\"RegionTwo\""));
  }

  @Test
  void parseWhenCatalogThenV2LayoutGroupedByRegion() throws Exception {
    String catalog =
        """
        [
          {"id": "s-nova", "type": "compute", "name": "nova", "endpoints": [
            {"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne",
             "url": "https://nova.one/v2.1"},
            {"id": "e2", "interface": "internal", "region": "RegionOne", "region_id": "RegionOne",
             "url": "http://nova.one.internal/v2.1"},
            {"id": "e3", "interface": "public", "region": "RegionTwo", "region_id": "RegionTwo",
             "url": "https://nova.two/v2.1"},
            {"id": "e4", "interface": "ADMIN", "region": "RegionOne", "region_id": "RegionOne",
             "url": "http://nova.one.admin/v2.1"}
          ]},
          {"id": "s-glance", "type": "image", "endpoints": [
            {"id": "e5", "interface": "public", "url": "https://glance/"}
          ]}
        ]
        """;

    Identity identity = parse(withCatalog(catalog));

    String expected =
        """
        [
          {"type": "compute", "name": "nova", "endpoints": [
            {"region": "RegionOne", "publicURL": "https://nova.one/v2.1",
             "internalURL": "http://nova.one.internal/v2.1", "adminURL": "http://nova.one.admin/v2.1"},
            {"region": "RegionTwo", "publicURL": "https://nova.two/v2.1"}
          ]},
          {"type": "image", "endpoints": [
            {"publicURL": "https://glance/"}
          ]}
        ]
        """;
    assertEquals(tree(expected), tree(identity.catalogV2Json()));
  }

  @Test
  void parseWhenSameRegionAndInterfaceTwiceThenLastEndpointWins() throws Exception {
    String catalog =
        """
        [{"type": "object-store", "name": "swift", "endpoints": [
          {"id": "a", "interface": "public", "region": "R", "url": "https://first"},
          {"id": "b", "interface": "public", "region": "R", "url": "https://second"}
        ]}]
        """;

    Identity identity = parse(withCatalog(catalog));

    assertEquals(
        tree(
            "[{\"type\":\"object-store\",\"name\":\"swift\","
                + "\"endpoints\":[{\"region\":\"R\",\"publicURL\":\"https://second\"}]}]"),
        tree(identity.catalogV2Json()));
  }

  @Test
  void parseWhenCatalogThenIdsDropped() throws Exception {
    Identity identity = parse(PROJECT_SCOPED);

    String catalog = identity.catalogV2Json();
    assertNotNull(catalog);
    assertFalse(catalog.contains("\"id\""), catalog);
    assertFalse(catalog.contains("region_id"), catalog);
    assertEquals(
        tree(
            "[{\"type\":\"identity\",\"name\":\"keystone\",\"endpoints\":[{\"region\":\"RegionOne\","
                + "\"publicURL\":\"http://cloud.example.com:5000/v3/\"}]}]"),
        tree(catalog));
  }

  @Test
  void parseWhenBodyNotJsonThenRejected() {
    TokenParseException e = rejection("{\"token\": ");

    assertEquals("body is not JSON", e.getMessage());
  }

  @Test
  void parseWhenBodyHtmlThenRejected() {
    assertThrows(
        TokenParseException.class,
        () -> parse("<html><body><h1>502 Bad Gateway</h1></body></html>"));
  }

  @Test
  void parseWhenBodyEmptyThenRejected() {
    assertThrows(TokenParseException.class, () -> parse(""));
  }

  @Test
  void parseWhenNoTokenObjectThenRejected() {
    TokenParseException e = rejection("{\"error\":{\"code\":404,\"title\":\"Not Found\"}}");

    assertEquals("body has no \"token\" object", e.getMessage());
  }

  @Test
  void parseWhenTokenNotAnObjectThenRejected() {
    assertThrows(TokenParseException.class, () -> parse("{\"token\":\"gAAAA\"}"));
  }

  @Test
  void parseWhenScopedThenScopeOfThatKind() throws Exception {
    assertEquals(
        new Identity.Project("a6944d763bf64ee6a275f1263fae0352", "admin", "default", "Default"),
        parse(PROJECT_SCOPED).scope());
    assertEquals(new Identity.Domain("d-eng", "Engineering"), parse(DOMAIN_SCOPED).scope());
    assertEquals(new Identity.SystemAll(), parse(SYSTEM_SCOPED).scope());
    assertEquals(new Identity.Unscoped(), parse(UNSCOPED).scope());
  }

  @Test
  void parseWhenProjectAndDomainScopeThenRejected() {
    TokenParseException e =
        rejection(DOMAIN_SCOPED.replace("\"roles\"", "\"project\": {\"id\": \"p\"}, \"roles\""));

    assertEquals(
        "token has more than one scope among token.project, token.domain and token.system.all",
        e.getMessage());
  }

  @Test
  void parseWhenProjectAndSystemScopeThenRejected() {
    TokenParseException e =
        rejection(SYSTEM_SCOPED.replace("\"roles\"", "\"project\": {\"id\": \"p\"}, \"roles\""));

    assertEquals(
        "token has more than one scope among token.project, token.domain and token.system.all",
        e.getMessage());
  }

  @Test
  void parseWhenProjectWithoutIdThenRejectedNamingField() {
    TokenParseException e =
        rejection(
            UNSCOPED.replace("\"issued_at\"", "\"project\": {\"name\": \"demo\"}, \"issued_at\""));

    assertEquals("token.project.id is missing", e.getMessage());
  }

  @Test
  void parseWhenDomainWithoutIdThenRejectedNamingField() {
    TokenParseException e =
        rejection(
            UNSCOPED.replace("\"issued_at\"", "\"domain\": {\"name\": \"Eng\"}, \"issued_at\""));

    assertEquals("token.domain.id is missing", e.getMessage());
  }

  @Test
  void parseWhenUserIdMissingThenRejectedNamingField() {
    TokenParseException e = rejection(withUser("{\"name\":\"alice\"}"));

    assertEquals("token.user.id is missing", e.getMessage());
  }

  @Test
  void parseWhenUserIdEmptyThenRejectedNamingField() {
    TokenParseException e = rejection(withUser("{\"id\":\"\"}"));

    assertEquals("token.user.id is missing", e.getMessage());
  }

  @Test
  void parseWhenNoUserThenRejected() {
    TokenParseException e = rejection("{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\"}}");

    assertEquals("token.user.id is missing", e.getMessage());
  }

  @Test
  void parseWhenExpiresAtMissingThenRejectedNamingField() {
    TokenParseException e = rejection("{\"token\":{\"user\":{\"id\":\"u\"}}}");

    assertEquals("token.expires_at is missing", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2026-11-28T13:14:15.5Z,2026-11-28T13:14:15.500Z",
        "2026-11-28T13:14:15.123456Z,2026-11-28T13:14:15.123456Z",
        "2026-11-28T13:14:15.123456789Z,2026-11-28T13:14:15.123456789Z",
        "2028-02-29T23:59:59.999999Z,2028-02-29T23:59:59.999999Z",
        "0001-01-01T00:00:00Z,0001-01-01T00:00:00Z"
      })
  void parseWhenKeystoneUtcFormThenExactInstant(String pair) throws Exception {
    String[] parts = pair.split(",");
    Identity identity =
        parse("{\"token\":{\"expires_at\":\"" + parts[0] + "\",\"user\":{\"id\":\"u\"}}}");

    assertEquals(Instant.parse(parts[1]), identity.expiresAt());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tomorrow",
        "2026-11-28",
        "2026-11-28 13:14:15",
        "2026-11-28T13:14:15",
        "2026-02-30T13:14:15Z",
        "2027-02-29T13:14:15Z",
        "2026-13-28T13:14:15Z",
        "2026-11-28T24:00:00Z",
        "2026-11-28T13:60:15Z",
        "2026-11-28T13:14:60Z",
        "2026-11-28T13:14:15.0000000000Z",
        "2026-11-28T1a:14:15Z",
        "2026-11-28T13:14:15.12a4Z",
        "+026-11-28T13:14:15Z"
      })
  void parseWhenExpiresAtUnparseableThenRejected(String expiresAt) {
    TokenParseException e =
        rejection("{\"token\":{\"expires_at\":\"" + expiresAt + "\",\"user\":{\"id\":\"u\"}}}");

    assertTrue(e.getMessage().startsWith("token.expires_at"), e.getMessage());
    assertFalse(e.getMessage().contains(expiresAt), e.getMessage());
  }

  @Test
  void parseWhenExpiresAtNumberThenRejected() {
    TokenParseException e =
        rejection("{\"token\":{\"expires_at\":1795871655,\"user\":{\"id\":\"u\"}}}");

    assertEquals("token.expires_at is not a string", e.getMessage());
  }

  @Test
  void parseWhenUserNameNotAStringThenRejectedNamingField() {
    TokenParseException e = rejection(withUser("{\"id\":\"u\",\"name\":42}"));

    assertEquals("token.user.name is not a string", e.getMessage());
  }

  @Test
  void parseWhenUserIdAnObjectThenRejected() {
    TokenParseException e = rejection(withUser("{\"id\":{\"forged\":true}}"));

    assertEquals("token.user.id is not a string", e.getMessage());
  }

  @Test
  void parseWhenNameHasCrLfThenRejectedWithoutEchoingValue() {
    TokenParseException e =
        rejection(withUser("{\"id\":\"u\",\"name\":\"alice\\r\\nX-Roles: admin\"}"));

    assertEquals("token.user.name contains a control character", e.getMessage());
  }

  @Test
  void parseWhenProjectNameHasNulThenRejected() {
    TokenParseException e =
        rejection(
            "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\"},"
                + "\"project\":{\"id\":\"p\",\"name\":\"demo\\u0000\"}}}");

    assertEquals("token.project.name contains a control character", e.getMessage());
  }

  @Test
  void parseWhenRoleNameHasLineFeedThenRejected() {
    TokenParseException e =
        rejection(
            "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\"},"
                + "\"roles\":[{\"name\":\"member\\nadmin\"}]}}");

    assertEquals("token.roles[].name contains a control character", e.getMessage());
  }

  @Test
  void parseWhenRolesNotAListThenRejected() {
    TokenParseException e =
        rejection(
            "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\"},"
                + "\"roles\":{\"name\":\"admin\"}}}");

    assertEquals("token.roles is not a list", e.getMessage());
  }

  @Test
  void parseWhenRoleWithoutNameThenRejected() {
    TokenParseException e =
        rejection(
            "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\"},"
                + "\"roles\":[{\"id\":\"r1\"}]}}");

    assertEquals("token.roles[].name is missing", e.getMessage());
  }

  @Test
  void parseWhenIsAdminProjectNotBooleanThenRejected() {
    TokenParseException e =
        rejection(
            "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\"},"
                + "\"is_admin_project\":\"yes\"}}");

    assertEquals("token.is_admin_project is not a boolean", e.getMessage());
  }

  @Test
  void parseWhenCatalogNotAListThenRejected() {
    TokenParseException e = rejection(withCatalog("{\"type\":\"compute\"}"));

    assertEquals("token.catalog is not a list", e.getMessage());
  }

  @Test
  void parseWhenUnknownFieldsThenIgnored() throws Exception {
    Identity identity =
        parse(
            "{\"token\":{\"expires_at\":\"2026-11-28T13:14:15Z\",\"user\":{\"id\":\"u\","
                + "\"os_federation\":{\"groups\":[]}},\"application_credential\":{\"id\":\"a\"},"
                + "\"future_field\":[1,2,3]}}");

    assertEquals("u", identity.userId());
  }

  @Test
  void expiresAtWhenLoginBodyThenInstant() throws Exception {
    Instant expiresAt = new TokenResponseParser(MAPPER, true).expiresAt(bytes(PROJECT_SCOPED));

    assertEquals(EXPIRES, expiresAt);
  }

  @Test
  void expiresAtWhenNotJsonThenRejected() {
    assertThrows(
        TokenParseException.class,
        () -> new TokenResponseParser(MAPPER, true).expiresAt(bytes("<html>")));
  }
}
